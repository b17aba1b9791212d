"""The recipients file: parsing, every problem with its row, duplicates collapsed."""

import pytest

from report.document.model import Output
from report.errors import DataError
from report.mail.recipients import address_problem, read_recipients

EDITIONS = ("en", "az")


def _write(tmp_path, text, name="recipients.csv", encoding="utf-8"):
    path = tmp_path / name
    path.write_bytes(text.encode(encoding) if isinstance(text, str) else text)
    return path


def _read(path):
    return read_recipients(path, editions=EDITIONS, where=path.name)


def test_reads_names_languages_and_defaults(tmp_path):
    path = _write(tmp_path, "\ufeffEmail, Name ,LANG\n"
                            "donor@example.org,\"Donor, Ann\",az\n"
                            "\n"
                            "# partner@example.org,commented out,en\n"
                            "official@example.gov.az,,\n"
                            "  partner@example.org  ,Partner\n")
    found = _read(path)
    assert [(r.email, r.name, r.lang, r.line) for r in found.recipients] == [
        ("donor@example.org", "Donor, Ann", "az", 2),
        ("official@example.gov.az", "", "en", 5),
        ("partner@example.org", "Partner", "en", 6),
    ]
    assert found.warnings == ()


def test_only_the_email_column_is_required(tmp_path):
    found = _read(_write(tmp_path, "email\na@example.org\n"))
    assert [(r.email, r.lang) for r in found.recipients] == [("a@example.org", "en")]


def test_duplicates_are_collapsed_case_insensitively_with_a_warning(tmp_path):
    path = _write(tmp_path, "email,name,lang\n"
                            "Donor@Example.org,Ann,en\n"
                            "b@example.org,,az\n"
                            "donor@example.ORG,Ann again,az\n")
    found = _read(path)
    assert [r.email for r in found.recipients] == ["Donor@Example.org", "b@example.org"]
    assert found.warnings == (
        "recipients.csv:4: donor@example.ORG is already on line 2 (with lang 'en', not "
        "'az'); sending it once, in 'en'",)


@pytest.mark.parametrize(("text", "problems"), [
    ("email,name,lang\nbob@,Bob,en\n",
     ["recipients.csv:2: email: 'bob@' is not a valid address"]),
    ("email,name,lang\nann@example.org,Ann,en\nbob@example,Bob,en\n,Carl,az\n",
     ["recipients.csv:3: email: 'bob@example' is not a valid address",
      "recipients.csv:4: email: missing; every row needs an address"]),
    ("email,name,lang\nann@example.org,Ann,fr\n",
     ["recipients.csv:2: lang: 'fr' is not an edition (editions: en, az)"]),
    ("ann@example.org,Ann,en\n",
     ["recipients.csv:1: missing header; the first line must name the columns, e.g. "
      "email,name,lang (only email is required), not 'ann@example.org,Ann,en'"]),
    ("email,nmae,lang\nann@example.org,Ann,en\n",
     ["recipients.csv:1: unknown column 'nmae'; did you mean 'name'?"]),
    ("email,email\n", ["recipients.csv:1: column 'email' appears twice"]),
    ("email,name,lang\nann@example.org,Smith, Ann,en\n",
     ["recipients.csv:2: 4 fields but the header names 3 (email,name,lang); quote values "
      "that contain commas"]),
    ('email,name\nann@example.org,"Ann\nBcc: all@example.org"\n',
     ["recipients.csv:2: name: contains a line break or control character"]),
    ('email,name\nann@example.org,=?utf-8?q?Ann=0D=0ABcc=3A_all=40example.org?=\n',
     ["recipients.csv:2: name: looks like an encoded word ('=?'); write the name as plain "
      "text"]),
    (f"email,name\nann@example.org,{'A' * 129}\nbob@example.org,{'ə' * 10_000}\n",
     ["recipients.csv:2: name: 129 characters; shorten it to at most 128",
      "recipients.csv:3: name: 10000 characters; shorten it to at most 128"]),
    ("email,name\nann@example.org,Ann\u2028Bcc: all@example.org\nbob@,Bo\x85b\n",
     ["recipients.csv:2: name: contains a line break or control character",
      "recipients.csv:3: email: 'bob@' is not a valid address",
      "recipients.csv:3: name: contains a line break or control character"]),
    ("email,name,lang\n", ["recipients.csv:1: no recipients; add rows below the header "
                           "email,name,lang"]),
    ("", ["recipients.csv:1: the file is empty; start it with the header email,name,lang"]),
    (b"email\n\xe9@example.org\n", ["recipients.csv:2: not UTF-8 text; save the file as UTF-8"]),
])
def test_bad_files_list_every_problem_with_its_row(tmp_path, text, problems):
    with pytest.raises(DataError) as caught:
        _read(_write(tmp_path, text))
    assert caught.value.problems == problems


def test_missing_file(tmp_path):
    with pytest.raises(DataError) as caught:
        read_recipients(tmp_path / "nope.csv", editions=EDITIONS, where="nope.csv")
    assert caught.value.problems == ["nope.csv:1: cannot read the file: No such file or directory"]


@pytest.mark.parametrize("address", [
    "donor@example.org", "first.last+tag@mail.example.co.uk", "o'brien@example.ie",
    "x@xn--80ak6aa92e.com",
])
def test_good_addresses(address):
    assert address_problem(address) is None


@pytest.mark.parametrize("address", [
    "bob@", "@example.org", "bob", "bob@example", "bob@@example.org", "bob @example.org",
    "bob.@example.org", ".bob@example.org", "bo..b@example.org", "bob@-example.org",
    "bob@example..org", "bob@exa_mple.org", "bob@example.org\r\nBcc: x@example.org",
    "bob@bücher.de", "<bob@example.org>", "Bob <bob@example.org>",
])
def test_bad_addresses(address):
    assert address_problem(address)


def test_the_shipped_example_is_valid():
    from conftest import ROOT

    found = read_recipients(ROOT / "recipients.example.csv", editions=EDITIONS)
    assert len(found.recipients) == 4
    assert all(r.email.endswith((".org", ".net", ".az")) for r in found.recipients)


@pytest.mark.parametrize("name", [
    "José <victim@evil.test>", "Zoë, victim@evil.test", 'Ann "Desk" Smith', "O'Brien (Desk)",
    "Rəşad Əliyev", "ə" * 128, "A" * 128,
])
def test_names_with_address_punctuation_are_accepted_as_one_name(tmp_path, name):
    quoted = '"' + name.replace('"', '""') + '"'
    found = _read(_write(tmp_path, f"email,name\nann@example.org,{quoted}\n"))
    assert [r.name for r in found.recipients] == [name]


def test_runs_of_white_space_in_a_name_are_one_space(tmp_path):
    """A header keeps no double spaces: the name is sent, and greeted, as it will read."""
    found = _read(_write(tmp_path, 'email,name\nann@example.org,"Ann  Smith,   Desk"\n'))
    assert [r.name for r in found.recipients] == ["Ann Smith, Desk"]


# another brand's outputs: the first is not called `briefing`, the handout is `factsheet`
OUTPUTS = (Output("full", "briefing"), Output("factsheet", "handout"))


def _read_layouts(path, outputs=OUTPUTS):
    return read_recipients(path, editions=EDITIONS, outputs=outputs, where=path.name)


def test_the_layout_column_names_an_output_and_defaults_to_the_first(tmp_path):
    found = _read_layouts(_write(tmp_path, "email,lang,layout\n"
                                           "a@example.org,en,factsheet\n"
                                           "b@example.org,az,\n"
                                           "c@example.org,az,full\n"
                                           "d@example.org,en,handout\n"))  # its layout
    assert [r.layout for r in found.recipients] == ["factsheet", "full", "full", "factsheet"]
    found = _read_layouts(_write(tmp_path, "email,lang\na@example.org,en\n"))
    assert [r.layout for r in found.recipients] == ["full"]
    found = _read(_write(tmp_path, "email,layout\na@example.org,\n"))  # no outputs given
    assert [r.layout for r in found.recipients] == ["briefing"]


def test_a_layout_two_outputs_share_is_no_choice(tmp_path):
    outputs = (Output("a4", "handout"), Output("letter", "handout"))
    with pytest.raises(DataError) as caught:
        _read_layouts(_write(tmp_path, "email,layout\na@example.org,handout\n"), outputs)
    assert caught.value.problems == [
        "recipients.csv:2: layout: 'handout' is not an output of this briefing (layouts: a4, "
        "letter; an empty cell means a4)"]


def test_a_duplicate_with_another_layout_is_sent_once_as_the_first_row_says(tmp_path):
    found = _read_layouts(_write(tmp_path, "email,layout\na@example.org,factsheet\n"
                                           "A@example.org,full\n"))
    assert [r.layout for r in found.recipients] == ["factsheet"]
    assert found.warnings == ("recipients.csv:3: A@example.org is already on line 2 (with "
                              "layout 'factsheet', not 'full'); sending it once, as the "
                              "'factsheet'",)
