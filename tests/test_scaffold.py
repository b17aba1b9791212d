"""`generate.py new PATH`: a small valid briefing of placeholders that builds as written."""

import pypdf
from conftest import run_cli


def test_new_writes_a_two_edition_briefing_that_builds(tmp_path):
    path = tmp_path / "georgia.yaml"
    result = run_cli("new", path, "--lang", "en,az", "--title", "Georgia: operational update")
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith(f"wrote {path}: edit every PLACEHOLDER")
    text = path.read_text(encoding="utf-8")
    assert text.startswith("# yaml-language-server: $schema=")
    assert '  title: {en: "Georgia: operational update", az: "PLACEHOLDER (az): Georgia: ' \
           'operational update"}' in text
    assert [line for line in text.splitlines() if "type:" in line] == [
        "  - type: cover", "  - type: text", "  - type: key_figures", "  - type: population",
        "  - type: sources"]
    built = run_cli("build", "--data", path, "--out", tmp_path / "out")
    assert built.returncode == 0, built.stderr
    assert built.stderr == ""
    for lang in ("en", "az"):
        reader = pypdf.PdfReader(tmp_path / "out" / f"georgia-{lang}.pdf")
        assert reader.metadata.title.endswith("Georgia: operational update")


def test_new_one_edition_is_valid_and_named_after_the_file(tmp_path):
    path = tmp_path / "Country Update 2026.yaml"
    assert run_cli("new", path).returncode == 0
    text = path.read_text(encoding="utf-8")
    assert "  editions: [en]\n" in text
    assert "  output_name: country-update-2026\n" in text
    assert '  title: "PLACEHOLDER: the title of the briefing"\n' in text
    check = run_cli("check", "--data", path)
    assert check.returncode == 0, check.stderr
    assert check.stderr == ""  # it has an email block: send would have what it needs


def test_new_never_overwrites(tmp_path):
    path = tmp_path / "mine.yaml"
    path.write_text("my work\n", encoding="utf-8")
    result = run_cli("new", path)
    assert result.returncode == 2
    assert result.stderr == f"error: {path} already exists; choose another name (nothing was " \
                            "written)\n"
    assert path.read_text(encoding="utf-8") == "my work\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["mine.yaml"]


def test_new_refuses_an_unsupported_language(tmp_path):
    result = run_cli("new", tmp_path / "x.yaml", "--lang", "en,fr")
    assert result.returncode == 2
    assert result.stderr == ("error: --lang 'en,fr': unsupported language 'fr'; give codes "
                             "separated by commas, from: en, az\n")
    assert list(tmp_path.iterdir()) == []


def test_new_names_the_file_it_would_write_in_a_problem(tmp_path):
    path = tmp_path / "snow.yaml"
    result = run_cli("new", path, "--title", "Snow \u2603")
    assert result.returncode == 2
    assert result.stderr.splitlines()[0] == (
        f"{path}: document.title.en: '\u2603' (U+2603) not in the brand font Lato; use other "
        "characters or a font that has them")
    assert list(tmp_path.iterdir()) == []
