"""The `image` and `table` section types and a chart's size, in both layouts and editions:
rendered with another brand and read back from the PDF (pikepdf's structure tree, pdfium's
text and boxes, the pdfua checker); and bad input through a real `generate.py check`."""

from __future__ import annotations

import re
import shutil

import pikepdf
import pytest
import yaml
from conftest import ROOT, run_cli
from pdfcheck import MM, open_pdf, structure_elements
from PIL import Image

from report.document.load import load_briefing
from report.document.project import load_project
from report.document.sections.table import TableCell
from report.errors import DataError
from report.render.html import render_edition

LANGS = ("en", "az")
LAYOUTS = ("briefing", "handout")
ROWS = 80
COLORS = {"primary": "#1d3b2a", "secondary": "#4a6fa5", "accent": "#c8553d",
          "text": "#222222", "muted": "#5b5b5b", "tint": "#eef3ee"}
ALT = {"en": "Test photo: a green field under a pale sky",
       "az": "Sınaq şəkli: açıq səma altında yaşıl çəmənlik (ə ğ ı İ ş ç ö ü)"}
MAP_ALT = {"en": "Test map: two blue regions", "az": "Sınaq xəritəsi: iki mavi bölgə"}
CREDIT = {"en": "Image: Test Photographer", "az": "Şəkil: Sınaq Fotoqrafı"}
HEADERS = {"en": ("District", "People", "Note"), "az": ("Rayon", "Şəxslər", "Qeyd")}
NOT_AVAILABLE = {"en": "not available", "az": "məlumat yoxdur"}
MAP_SVG = """<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 200 100" width="200" height="100">
<rect width="200" height="100" fill="#ffffff"/><rect x="10" y="10" width="80" height="80"
fill="#3366cc"/><rect x="110" y="10" width="80" height="80" fill="#3399cc"/></svg>
"""


def _people(i: int) -> int:
    return 1000 + 37 * i


def _note(i: int) -> str:
    """Empty in every tenth row; in every seventh, long enough to wrap over lines."""
    if i % 10 == 0:
        return ""
    return f"note {i}" + (" with words that wrap" * 8 + f" end{i}" if i % 7 == 0 else "")


def _write_csv(path, rows=ROWS):
    lines = ["district,people,note"]
    for i in range(1, rows + 1):
        lines.append(f'Row {i:02d},"{_people(i):,}",{_note(i)}')
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def _data(photo="assets/photos/field.png"):
    """A two-edition data file: text, a column and a full image, a long table, a chart."""
    same = {key: {"all": "Test"} for key in ("subtitle", "short_title", "author", "subject",
                                              "keywords")}
    return {
        "document": {"editions": list(LANGS), "title": {"all": "Test: images and tables"},
                     **same, "reference_date": "2025-09",
                     "outputs": [{"name": "briefing", "layout": "briefing"},
                                 {"name": "handout", "layout": "handout"}]},
        "brand": {"name": {"all": "Green Desk"}, "logo": "assets/brand/logo.svg",
                  "logo_alt": {"all": "Green Desk logo"}, "colors": COLORS,
                  "fonts": {"family": "Lato", **{face: f"assets/fonts/Lato-{name}.ttf" for face,
                            name in (("regular", "Regular"), ("bold", "Bold"),
                                     ("italic", "Italic"), ("bold_italic", "BoldItalic"),
                                     ("black", "Black"))}}},
        "sources": [{"id": "test", "title": {"all": "Test source"},
                     "publisher": {"all": "Test"}, "published": 2024, "kind": {"all": "Test"}}],
        "tables": {"districts": "data/districts.csv"},
        "figures": {"a": {"value": 800, "label": {"all": "A"}, "source": "test"},
                    "b": {"value": 200, "label": {"all": "B"}, "source": "test"}},
        "sections": [
            {"type": "text", "id": "intro", "title": {"all": "Intro"}, "source": "test",
             "paragraphs": [{"all": "Some text before the pictures."}]},
            {"type": "image", "id": "photo", "file": photo, "alt": ALT,
             "credit": {"en": "Test Photographer", "az": "Sınaq Fotoqrafı"},
             "caption": {"all": "A caption"}, "size": "column"},
            {"type": "image", "id": "map", "file": "assets/maps/regions.svg", "alt": MAP_ALT,
             "credit": {"all": "Test Cartographer"}, "size": "full"},
            {"type": "population", "id": "chart", "title": {"all": "Chart"}, "source": "test",
             "groups": ["a", "b"], "caption": {"all": "Two groups"}, "size": "column",
             "height": 60},
            {"type": "table", "id": "districts", "title": {"all": "Districts"},
             "source": "test", "table": "districts", "caption": {"all": "Districts, 2024"},
             "columns": [
                 {"column": "district", "header": dict(zip(LANGS, (HEADERS[x][0] for x in LANGS),
                                                           strict=True))},
                 {"column": "people", "format": "number",
                  "header": dict(zip(LANGS, (HEADERS[x][1] for x in LANGS), strict=True))},
                 {"column": "note",
                  "header": dict(zip(LANGS, (HEADERS[x][2] for x in LANGS), strict=True))}]},
        ],
    }


def _project(folder, data=None):
    for name in ("templates", "assets"):
        shutil.copytree(ROOT / name, folder / name)
    (folder / "assets" / "photos").mkdir()
    image = Image.new("RGB", (600, 400), "#6aa84f")
    image.paste(Image.new("RGB", (600, 150), "#cfe2f3"), (0, 0))
    image.save(folder / "assets" / "photos" / "field.png", format="PNG")
    (folder / "assets" / "maps").mkdir()
    (folder / "assets" / "maps" / "regions.svg").write_text(MAP_SVG, encoding="utf-8")
    (folder / "data").mkdir()
    _write_csv(folder / "data" / "districts.csv")
    path = folder / "test.yaml"
    path.write_text(yaml.safe_dump(data or _data(), allow_unicode=True, sort_keys=False),
                    encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def pdfs(tmp_path_factory):
    """{(layout, lang): PDF path}, each edition rendered once; no WeasyPrint warning."""
    folder = tmp_path_factory.mktemp("content")
    briefing, labels = load_project(_project(folder), root=folder)
    found = {}
    for layout in LAYOUTS:
        for lang in LANGS:
            edition = render_edition(briefing, lang, labels[lang], root=folder, layout=layout,
                                     name=layout)
            assert edition.warnings == []
            path = folder / f"{layout}-{lang}.pdf"
            path.write_bytes(edition.pdf)
            found[layout, lang] = path
    again = render_edition(briefing, "az", labels["az"], root=folder)
    assert again.pdf == found["briefing", "az"].read_bytes()  # byte-reproducible
    return found


def _texts(path):
    pdf = open_pdf(path)
    try:
        return [" ".join(pdf[i].get_textpage().get_text_range().split())
                for i in range(len(pdf))]
    finally:
        pdf.close()


def _figure_boxes(path):
    """{alt: (width, height) in mm} of the tagged figures."""
    with pikepdf.open(path) as pdf:
        boxes = {}
        for element in structure_elements(pdf):
            if element.S == "/Figure":
                x1, y1, x2, y2 = (float(v) for v in element.A.BBox)
                boxes[str(element.Alt)] = ((x2 - x1) / MM, (y2 - y1) / MM)
        return boxes


# ---- images ----------------------------------------------------------------------------

@pytest.mark.parametrize("layout", LAYOUTS)
@pytest.mark.parametrize("lang", LANGS)
def test_images_are_figures_with_their_alt_text_and_credit(pdfs, layout, lang):
    boxes = _figure_boxes(pdfs[layout, lang])
    assert ALT[lang] in boxes
    assert MAP_ALT[lang] in boxes
    text = " ".join(_texts(pdfs[layout, lang]))
    assert CREDIT[lang] in text
    assert ("Şəkil: Test Cartographer" if lang == "az" else "Image: Test Cartographer") in text


@pytest.mark.parametrize("lang", LANGS)
def test_the_photo_is_drawn_as_an_image_on_the_page(pdfs, lang):
    import pypdfium2.raw as pdfium_c

    pdf = open_pdf(pdfs["briefing", lang])
    try:
        images = [obj for obj in pdf[0].get_objects(filter=[pdfium_c.FPDF_PAGEOBJ_IMAGE])]
        assert images  # the PNG (the SVG map is drawn as shapes)
        left, _bottom, right, _top = images[0].get_bounds()
        assert abs((right - left) / MM - 90.2) < 1.5  # `column` in the briefing
        assert abs((left + right) / 2 - 105 * MM) < 2 * MM  # centred on the page
    finally:
        pdf.close()


@pytest.mark.parametrize(("layout", "column", "full", "tallest"), [
    ("briefing", 90.2, 174, 120), ("handout", 90, 186, 85)])
def test_sizes_are_a_column_or_the_full_width(pdfs, layout, column, full, tallest):
    boxes = _figure_boxes(pdfs[layout, "en"])
    assert abs(boxes[ALT["en"]][0] - column) < 3, boxes
    assert abs(boxes[ALT["en"]][1] - column * 2 / 3) < 3, boxes  # the photo is 3:2
    assert abs(boxes[MAP_ALT["en"]][0] - full) < 3, boxes
    # the map (2:1) as high as its width says, but never higher than the layout allows
    assert abs(boxes[MAP_ALT["en"]][1] - min(full / 2, tallest)) < 3, boxes


@pytest.mark.parametrize("layout", LAYOUTS)
def test_a_chart_takes_its_size_and_height(pdfs, layout):
    boxes = _figure_boxes(pdfs[layout, "en"])
    width, height = next(box for alt, box in boxes.items() if alt.startswith("Bar chart"))
    assert abs(width - 90.2) < 3  # `column`: narrower in the briefing, a column in the handout
    assert abs(height - 60) < 2  # `height: 60` (mm)


@pytest.mark.parametrize("layout", LAYOUTS)
@pytest.mark.parametrize("lang", LANGS)
def test_pdfua_checker_finds_nothing(pdfs, layout, lang):
    pdfua = pytest.importorskip("pdfua")
    report = pdfua.validate(str(pdfs[layout, lang]))
    assert [(f.rule_id, f.message) for f in report.findings] == []


def test_every_font_is_the_brands(pdfs):
    with pikepdf.open(pdfs["briefing", "az"]) as pdf:
        fonts = {str(font.BaseFont) for page in pdf.pages
                 for font in (page.Resources.get("/Font") or {}).values()}
    assert fonts
    assert all("Lato" in name for name in fonts), fonts


# ---- tables ----------------------------------------------------------------------------

@pytest.mark.parametrize("layout", LAYOUTS)
@pytest.mark.parametrize("lang", LANGS)
def test_header_cells_are_column_headers(pdfs, layout, lang):
    with pikepdf.open(pdfs[layout, lang]) as pdf:
        cells = [e for e in structure_elements(pdf) if e.S == "/TH"]
        assert cells
        assert all(e.P.P.S == "/THead" and e.A.Scope == "/Column" for e in cells)
        assert not [e for e in structure_elements(pdf) if e.S == "/TD" and e.P.P.S == "/THead"]


@pytest.mark.parametrize("layout", LAYOUTS)
@pytest.mark.parametrize("lang", LANGS)
def test_a_long_table_repeats_its_header_and_never_splits_a_row(pdfs, layout, lang):
    pages = _texts(pdfs[layout, lang])
    with_rows = [i for i, text in enumerate(pages) if re.search(r"Row \d\d", text)]
    assert len(with_rows) >= 2  # the table runs over pages
    header = " ".join(HEADERS[lang])
    for index in with_rows:
        assert header in pages[index], index + 1  # repeated on every page it runs over
    sep = "," if lang == "en" else "."
    for i in range(1, ROWS + 1):
        label = f"Row {i:02d}"
        on = [p for p in with_rows if re.search(rf"{label}\b", pages[p])]
        assert len(on) == 1, (label, on)
        number = f"{_people(i) // 1000}{sep}{_people(i) % 1000:03d}"
        note = NOT_AVAILABLE[lang] if i % 10 == 0 else f"note {i}"
        assert f"{label} {number} {note}" in pages[on[0]], label
        if i % 7 == 0 and i % 10:  # a row of several lines ends on the page it starts on
            assert f"end{i}" in pages[on[0]], (label, on[0] + 1)


@pytest.mark.parametrize("lang", LANGS)
def test_numbers_are_printed_per_edition_and_empty_cells_say_so(pdfs, lang):
    text = " ".join(_texts(pdfs["briefing", lang]))
    assert ("1,037" if lang == "en" else "1.037") in text
    assert text.count(NOT_AVAILABLE[lang]) == ROWS // 10
    assert "Districts, 2024" in text  # the caption


def test_inline_rows_print_figures_per_edition(tmp_path):
    data = _data()
    data["sections"] = [{
        "type": "table", "title": {"all": "Inline"}, "source": "test",
        "columns": [{"column": "group", "header": {"all": "Group"}},
                    {"column": "n", "header": {"all": "N"}, "format": "number"}],
        "rows": [{"group": {"en": "First", "az": "Birinci"}, "n": {"figure": "a"}},
                 {"group": {"all": "Second"}, "n": None}]}]
    briefing, _labels = load_project(_project(tmp_path, data), root=tmp_path)
    section = briefing.sections[0]
    assert section.rows[0][1].figure.value == 800
    assert section.rows[1][1] == TableCell()  # `~`: not available


def test_a_file_column_keeps_the_decimals_the_file_writes(tmp_path):
    data = _data()
    path = _project(tmp_path, data)
    (tmp_path / "data" / "districts.csv").write_text(
        "district,people,note\nA,8,x\nB,4.5,y\n", encoding="utf-8")
    section = load_briefing(path, root=tmp_path).sections[-1]
    assert [(row[1].number, row[1].decimals) for row in section.rows] == [(8, 1), (4.5, 1)]


# ---- bad input --------------------------------------------------------------------------

def _bad_sections():
    return [
        {"type": "image", "id": "missing", "file": "assets/photos/none.png", "alt": {"all": "x"},
         "credit": {"all": "c"}},
        {"type": "image", "id": "escape", "file": "assets/../generate.py",
         "alt": {"all": "x"}, "credit": {"all": "c"}},
        {"type": "image", "id": "no-alt", "file": "assets/brand/logo.svg",
         "credit": {"all": "c"}},
        {"type": "image", "id": "blank-alt", "file": "assets/brand/logo.svg",
         "alt": {"en": " ", "az": "x"}, "credit": {"all": "c"}},
        {"type": "table", "id": "unknown-column", "title": {"all": "T"}, "source": "test",
         "table": "districts", "columns": [{"column": "distrct", "header": {"all": "D"}}]},
        {"type": "table", "id": "empty", "title": {"all": "E"}, "source": "test",
         "table": "empty", "columns": [{"column": "district", "header": {"all": "D"}}]},
        {"type": "table", "id": "typed", "title": {"all": "I"}, "source": "test",
         "columns": [{"column": "a", "header": {"all": "A"}}],
         "rows": [{"a": 12}, {"b": {"all": "x"}}]},
        {"type": "population", "id": "tall", "title": {"all": "C"}, "source": "test",
         "groups": ["a"], "caption": {"all": "c"}, "height": 500},
    ]


EXPECTED = [
    r"section 'missing' \(sections\[0\]\)\.file: 'assets/photos/none\.png' does not exist",
    r"section 'escape' \(sections\[1\]\)\.file: 'assets/\.\./generate\.py' is outside assets/",
    r"section 'no-alt' \(sections\[2\]\)\.alt: is required but missing",
    r"section 'blank-alt' \(sections\[3\]\)\.alt: the 'en' text is empty",
    r"section 'unknown-column' \(sections\[4\]\)\.columns\[0\]\.column: data/districts\.csv: "
    r"no column 'distrct'; did you mean 'district'\?",
    r"section 'empty' \(sections\[5\]\)\.table: data/empty\.csv: the table has no rows",
    r"section 'typed' \(sections\[6\]\)\.rows\[0\]\.a: 12 is a number typed here",
    r"section 'typed' \(sections\[6\]\)\.rows\[1\]\.b: 'b' is not a column",
    r"section 'typed' \(sections\[6\]\)\.rows\[1\]: no 'a': give every column",
    r"section 'tall' \(sections\[7\]\)\.height: expected a height from 25 to 200",
]


def test_bad_input_lists_every_problem_with_its_line_and_exits_2(tmp_path):
    data = _data()
    data["tables"]["empty"] = "data/empty.csv"
    data["sections"] = _bad_sections()
    path = tmp_path / "bad.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    (tmp_path / "data").mkdir()
    _write_csv(tmp_path / "data" / "districts.csv")
    (tmp_path / "data" / "empty.csv").write_text("district,people,note\n", encoding="utf-8")
    result = run_cli("check", "--data", path, cwd=tmp_path)
    assert result.returncode == 2, result.stderr
    lines = result.stderr.strip().splitlines()
    assert lines[-1] == f"{len(EXPECTED)} problems found; nothing was written."
    assert "Traceback" not in result.stderr
    for pattern in EXPECTED:
        found = [line for line in lines if re.search(pattern, line)]
        assert len(found) == 1, (pattern, lines)
        assert re.match(r"bad\.yaml:\d+: ", found[0]), found[0]
    text = path.read_text(encoding="utf-8").splitlines()
    where = next(i for i, line in enumerate(text, 1) if "assets/photos/none.png" in line)
    assert lines[0].startswith(f"bad.yaml:{where}: ")  # the line of the key it names


def test_an_unreadable_image_is_refused(tmp_path):
    path = _project(tmp_path)
    (tmp_path / "assets" / "photos" / "field.png").write_text("not a picture", encoding="utf-8")
    with pytest.raises(DataError) as caught:
        load_briefing(path, root=tmp_path, name="test.yaml")
    lines = path.read_text(encoding="utf-8").splitlines()
    line = next(i for i, text in enumerate(lines, 1) if "file: assets/photos/field.png" in text)
    assert caught.value.problems == [
        f"test.yaml:{line}: section 'photo' (sections[1]).file: 'assets/photos/field.png' is "
        "not a readable PNG image (not an image file); save it as PNG"]


@pytest.mark.parametrize(("column", "extra", "csv", "message"), [
    ("note", {"labels": {"x": {"all": "X"}}}, "district,people,note\nA,1,x\nB,2,y\n",
     "columns[0].labels: data/districts.csv:3: column 'note': no label for 'y'; add it to "
     "'labels'"),
    ("people", {"format": "number", "decimals": 0}, "district,people,note\nA,4.5,x\n",
     "columns[0].decimals: data/districts.csv:2: column 'people': '4.5' has 1 decimal; 0 "
     "would print it rounded"),
    ("people", {"format": "number"}, "district,people,note\nA,n/a,x\n",
     "columns[0].column: data/districts.csv:2: column 'people': expected a number, got "
     "'n/a'"),
    ("#population+num", {}, "district,people,note\nA,1,x\n",
     "columns[0].column: data/districts.csv: no column '#population+num'"),
])
def test_a_file_table_names_the_cell_that_cannot_print(tmp_path, column, extra, csv, message):
    data = _data()
    data["sections"] = [{"type": "table", "id": "t", "title": {"all": "T"}, "source": "test",
                         "table": "districts", "columns": [
                             {"column": column, "header": {"all": "H"}, **extra}]}]
    path = tmp_path / "t.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "districts.csv").write_text(csv, encoding="utf-8")
    with pytest.raises(DataError) as caught:
        load_briefing(path, root=ROOT, name="t.yaml")
    assert len(caught.value.problems) == 1
    assert caught.value.problems[0].split(" (sections[0]).", 1)[1].startswith(message), (
        caught.value.problems)


def test_where_that_picks_no_row_is_a_problem(tmp_path):
    data = _data()
    data["sections"] = [{"type": "table", "id": "t", "title": {"all": "T"}, "source": "test",
                         "table": "districts", "where": {"district": "Nowhere"},
                         "columns": [{"column": "district", "header": {"all": "H"}}]}]
    path = tmp_path / "t.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    (tmp_path / "data").mkdir()
    _write_csv(tmp_path / "data" / "districts.csv", rows=3)
    with pytest.raises(DataError) as caught:
        load_briefing(path, root=ROOT, name="t.yaml")
    lines = path.read_text(encoding="utf-8").splitlines()
    line = next(i for i, text in enumerate(lines, 1) if "district: Nowhere" in text)
    assert caught.value.problems == [  # the line of the mapping's first entry
        f"t.yaml:{line}: section 't' (sections[0]).where: data/districts.csv: no row matches "
        "'where'"]
