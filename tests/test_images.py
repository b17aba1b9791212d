"""An image asset must be a readable image of the kind its name declares."""

import shutil

import pytest
from conftest import ROOT, SECOND, copy_tables
from PIL import Image

from report.document.load import load_briefing
from report.errors import DataError


def _png(path, size=(4, 3)):
    Image.new("RGB", size, "#0b2545").save(path, format="PNG")


def _jpeg(path):
    Image.new("RGB", (4, 3), "#0b2545").save(path, format="JPEG")


def _truncated_png(path):
    _png(path, size=(64, 64))
    path.write_bytes(path.read_bytes()[:60])


CASES = [
    # (file name, how to write it, expected message after "brand.logo: ")
    ("logo.svg", lambda p: p.write_text("just some text\n"),
     "'assets/brand/logo-x.svg' is not a readable SVG image (not well-formed XML: syntax "
     "error: line 1, column 0)"),
    ("logo.svg", lambda p: p.write_text("<html><body>not an svg</body></html>"),
     "'assets/brand/logo-x.svg' is not a readable SVG image (its top element is <html>, "
     "not <svg>)"),
    ("logo.png", lambda p: p.write_text("a text file named .png\n"),
     "'assets/brand/logo-x.png' is not a readable PNG image (not an image file); save it as "
     "PNG"),
    ("logo.png", _truncated_png, "'assets/brand/logo-x.png' is not a readable PNG image "
     "(image file is truncated); save it again as PNG"),
    ("logo.jpg", _png, "'assets/brand/logo-x.jpg' is a PNG image, not JPEG: rename it or "
     "convert it"),
    ("logo.txt", lambda p: p.write_text("x"),
     "'assets/brand/logo-x.txt' should be one of .svg, .png, .jpg, .jpeg"),
]


@pytest.fixture
def project(tmp_path):
    root = tmp_path / "project"
    shutil.copytree(ROOT / "assets", root / "assets")
    return root


def _load_with_logo(root, name):
    text = SECOND.read_text(encoding="utf-8")
    data = root / "variant.yaml"
    data.write_text(text.replace("logo: assets/brand/logo.svg", f"logo: assets/brand/{name}"),
                    encoding="utf-8")
    copy_tables(root)
    return load_briefing(data, root=root, name="variant.yaml")


@pytest.mark.parametrize(("name", "write", "expected"), CASES)
def test_unreadable_image_is_a_validation_error(project, name, write, expected):
    stem, suffix = name.split(".")
    target = f"{stem}-x.{suffix}"
    write(project / "assets" / "brand" / target)
    with pytest.raises(DataError) as info:
        _load_with_logo(project, target)
    assert len(info.value.problems) == 1
    logo_line = SECOND.read_text(encoding="utf-8").split("logo: assets/")[0].count("\n") + 1
    assert info.value.problems[0].startswith(f"variant.yaml:{logo_line}: brand.logo: {expected}")


@pytest.mark.parametrize(("name", "write"), [("logo.png", _png), ("logo.jpeg", _jpeg),
                                             ("logo.JPG", _jpeg)])
def test_real_raster_logos_pass(project, name, write):
    write(project / "assets" / "brand" / name)
    assert _load_with_logo(project, name).brand.logo == f"brand/{name}"
