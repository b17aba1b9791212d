"""Table files: CSV (with and without BOM), HXL tags, .xlsx written here with openpyxl, and
every error naming the file, row and column."""

from __future__ import annotations

import datetime as dt

import pytest

from report.document.tables import (
    MAX_ROWS,
    TableError,
    cell_number,
    parse_tag,
    read_table,
)

HXL = ("Population group,Year,Persons\n"
       "#population+type,#date+year,#population+num\n"
       "idps,2024,\"657,749\"\n"
       "refugees,2024,8087\n"
       "refugees,2023,7900\n")


def write(tmp_path, name, text, *, bom=False):
    path = tmp_path / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + text.encode())
    return name


@pytest.mark.parametrize("bom", [False, True])
def test_csv_with_or_without_bom_reads_the_same_headers(tmp_path, bom):
    name = write(tmp_path, "data/p.csv", "group,persons\nIDPs,657749\n", bom=bom)
    table = read_table(name, base=tmp_path)
    assert table.headers == ("group", "persons")
    row = table.select_row({"group": "IDPs"})
    assert cell_number(row[table.column_index("persons")], whole=True) == 657749


def test_hxl_row_and_column_by_tag_any_case_any_order(tmp_path):
    table = read_table(write(tmp_path, "data/p.csv", HXL), base=tmp_path)
    row = table.select_row({"#Population+TYPE": "refugees", "#date +year": 2024})
    cell = row[table.column_index("#population+num")]
    assert cell.where == "data/p.csv:4"
    assert cell_number(cell, whole=True) == 8087
    assert parse_tag("#population +num+type") == parse_tag("#POPULATION+type+num")


def test_hxl_tag_that_matches_two_columns_is_refused(tmp_path):
    table = read_table(write(tmp_path, "data/p.csv", HXL), base=tmp_path)
    with pytest.raises(TableError, match=r"2 columns match '#population' "
                                         r"\('Population group' and 'Persons'\)"):
        table.column_index("#population")


def test_thousands_comma_accepted_where_unambiguous(tmp_path):
    table = read_table(write(tmp_path, "data/p.csv", HXL), base=tmp_path)
    cell = table.select_row({"#population+type": "idps"})[2]
    assert cell_number(cell, whole=True) == 657749


@pytest.mark.parametrize(("text", "decimal", "expected"), [
    ("657749", ".", 657749), ("657,749", ".", 657749), ("1,234.5", ".", 1234.5),
    ("8.0", ".", 8.0), ("657.749", ",", 657749), ("4,5", ",", 4.5), ("56%", ".", 56)])
def test_numbers_in_text_cells(tmp_path, text, decimal, expected):
    name = write(tmp_path, "t.csv", f'k,v\na,"{text}"\n')
    table = read_table(name, base=tmp_path, decimal=decimal)
    assert cell_number(table.rows[0][1], decimal=decimal, percent=True) == expected


@pytest.mark.parametrize(("text", "message"), [
    ("657 749", "data/t.csv:3: column 'persons': expected a whole number, got '657 749'; "
                "remove the spaces"),
    ("8087.5", "data/t.csv:3: column 'persons': expected a whole number, got '8087.5'"),
    ("65,7749", "data/t.csv:3: column 'persons': expected a whole number, got '65,7749'"),
    ("n/a", "data/t.csv:3: column 'persons': expected a whole number, got 'n/a'"),
    ("", "data/t.csv:3: column 'persons': expected a whole number, got an empty cell"),
])
def test_bad_numbers_name_file_line_and_column(tmp_path, text, message):
    name = write(tmp_path, "data/t.csv", f'group,persons\nrefugees,8087\nIDPs,"{text}"\n')
    table = read_table(name, base=tmp_path)
    with pytest.raises(TableError) as info:
        cell_number(table.select_row({"group": "IDPs"})[1], whole=True)
    assert str(info.value).startswith(message)


def test_no_row_names_the_condition_and_the_values(tmp_path):
    table = read_table(write(tmp_path, "data/t.csv", "group,persons\nidps,1\nrefugees,2\n"),
                       base=tmp_path)
    with pytest.raises(TableError) as info:
        table.select_row({"group": "IDPs"})
    assert str(info.value) == ("data/t.csv: no row where group = 'IDPs'; did you mean 'idps'? "
                               "the values of group are: 'idps', 'refugees'")


def test_two_matching_rows_are_named_by_line(tmp_path):
    text = "group,year,persons\na,2024,1\nb,2024,2\nrefugees,2023,3\nc,2024,4\nrefugees,2024,5\n"
    table = read_table(write(tmp_path, "data/t.csv", text), base=tmp_path)
    with pytest.raises(TableError, match=r"2 rows match group = 'refugees' \(rows 4 and 6\)"):
        table.select_row({"group": "refugees"})


def test_missing_header_suggests_the_close_one(tmp_path):
    table = read_table(write(tmp_path, "data/t.csv", "group,persons\na,1\n"), base=tmp_path)
    with pytest.raises(TableError) as info:
        table.column_index("persns")
    assert str(info.value) == ("data/t.csv: no column 'persns'; did you mean 'persons'? "
                               "the columns are: 'group', 'persons'")


@pytest.mark.parametrize(("rel", "message"), [
    ("../outside.csv", "'../outside.csv' is outside the data file's folder"),
    ("data/none.csv", "'data/none.csv' does not exist"),
    ("data/t.txt", "'data/t.txt': expected a .csv or .xlsx file"),
])
def test_paths_outside_missing_or_odd_are_refused(tmp_path, rel, message):
    base = tmp_path / "project"
    write(tmp_path, "outside.csv", "a\n1\n")
    write(base, "data/t.txt", "a\n1\n")
    with pytest.raises(TableError, match=message.replace("(", r"\(").replace(".", r"\.")):
        read_table(rel, base=base)


def test_symlink_out_of_the_folder_is_refused(tmp_path):
    base = tmp_path / "project"
    write(tmp_path, "secret.csv", "a\n1\n")
    (base / "data").mkdir(parents=True)
    (base / "data" / "link.csv").symlink_to(tmp_path / "secret.csv")
    with pytest.raises(TableError, match="outside the data file's folder"):
        read_table("data/link.csv", base=base)


def test_not_utf8_names_the_line(tmp_path):
    (tmp_path / "t.csv").write_bytes(b"group,persons\nBak\xfd,1\n")
    with pytest.raises(TableError, match=r"t\.csv:2: not UTF-8 \(byte 0xfd\)"):
        read_table("t.csv", base=tmp_path)


def test_too_many_rows_are_refused(tmp_path):
    text = "k,v\n" + "a,1\n" * (MAX_ROWS + 5)
    with pytest.raises(TableError, match="more than"):
        read_table(write(tmp_path, "t.csv", text), base=tmp_path)


# --- .xlsx, written by the test ------------------------------------------------------------

def write_xlsx(path, rows, *, sheet="Funding", formulas=False):
    import openpyxl

    book = openpyxl.Workbook()
    ws = book.active
    ws.title = sheet
    for row in rows:
        ws.append(row)
    if formulas:
        ws["D2"] = "=B2-C2"  # no cached value: openpyxl does not compute it
    path.parent.mkdir(parents=True, exist_ok=True)
    book.save(path)


def test_xlsx_named_sheet_by_header(tmp_path):
    write_xlsx(tmp_path / "data" / "f.xlsx",
               [["item", "million USD", "as of"], ["requirement", 8.0, dt.date(2024, 9, 1)],
                ["funded", 4.5, None]])
    table = read_table("data/f.xlsx", base=tmp_path, sheet="Funding")
    cell = table.select_row({"item": "funded"})[table.column_index("million USD")]
    assert cell_number(cell) == 4.5
    assert cell.where == "data/f.xlsx[Funding]:B3"


def test_xlsx_with_hxl_tags_and_text_numbers(tmp_path):
    write_xlsx(tmp_path / "f.xlsx", [["item", "value"], ["#indicator+name", "#value+usd"],
                                     ["gap", "3.5"]])
    table = read_table("f.xlsx", base=tmp_path)
    cell = table.select_row({"#indicator": "gap"})[table.column_index("#value")]
    assert cell_number(cell) == 3.5


def test_xlsx_formula_without_saved_value_reads_empty_and_is_not_evaluated(tmp_path):
    write_xlsx(tmp_path / "f.xlsx", [["item", "a", "b", "c"], ["gap", 8.0, 4.5, None]],
               formulas=True)
    table = read_table("f.xlsx", base=tmp_path)
    with pytest.raises(TableError, match=r"f\.xlsx\[Funding\]:D2: column 'c': expected a "
                                         r"number, got an empty cell"):
        cell_number(table.rows[0][3])


def test_xlsx_unknown_sheet_lists_the_sheets(tmp_path):
    write_xlsx(tmp_path / "f.xlsx", [["a"], [1]])
    with pytest.raises(TableError, match=r"no sheet 'Fundng'; did you mean 'Funding'\? "
                                         r"the sheets are: 'Funding'"):
        read_table("f.xlsx", base=tmp_path, sheet="Fundng")


def test_xlsx_empty_sheet_is_refused(tmp_path):
    write_xlsx(tmp_path / "f.xlsx", [])
    with pytest.raises(TableError, match=r"f\.xlsx: sheet 'Funding' is empty"):
        read_table("f.xlsx", base=tmp_path)


def test_a_file_that_is_not_a_workbook_is_refused(tmp_path):
    (tmp_path / "f.xlsx").write_text("group,persons\n")
    with pytest.raises(TableError, match="not an .xlsx file"):
        read_table("f.xlsx", base=tmp_path)


def test_xlsx_that_unpacks_too_big_is_refused_before_openpyxl_reads_it(tmp_path, monkeypatch):
    from report.document import tables

    write_xlsx(tmp_path / "f.xlsx", [["a"], [1]])
    monkeypatch.setattr(tables, "MAX_UNPACKED", 1000)
    with pytest.raises(TableError, match=r"f\.xlsx: unpacks to [\d,]+ bytes; the limit is 1,000"):
        read_table("f.xlsx", base=tmp_path)


def test_a_csv_over_the_size_cap_is_refused(tmp_path, monkeypatch):
    from report.document import tables

    monkeypatch.setattr(tables, "MAX_BYTES", 10)
    with pytest.raises(TableError, match=r"t\.csv: file is 15 bytes; the limit is 10"):
        read_table(write(tmp_path, "t.csv", "group,persons\n\n"), base=tmp_path)
