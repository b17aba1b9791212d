"""The URL fetcher serves the project's assets, templates and in-memory charts, nothing else."""

import logging
import os

import pytest
from conftest import ROOT

from report.render.fetch import ConfinedFetcher, RefusedURLError
from report.render.html import html_to_pdf


@pytest.fixture
def fetcher():
    return ConfinedFetcher(ROOT, {"charts/x.svg": b"<svg xmlns='http://www.w3.org/2000/svg'/>"})


def test_serves_assets_templates_and_charts(fetcher):
    logo = fetcher.fetch((ROOT / "assets" / "brand" / "logo.svg").as_uri())
    assert logo.read().startswith(b"<svg")
    assert logo.content_type == "image/svg+xml"
    css = fetcher.fetch((ROOT / "templates" / "style.css").as_uri())
    assert b"@page" in css.read()
    chart = fetcher.fetch((ROOT / "charts" / "x.svg").as_uri())
    assert chart.read().startswith(b"<svg")


@pytest.mark.parametrize("url", [
    "file:///etc/passwd",
    "file:///etc/hostname",
    (ROOT / "generate.py").as_uri(),
    (ROOT / "data.yaml").as_uri(),
    ROOT.as_uri() + "/assets/../generate.py",
    ROOT.as_uri() + "/assets/%2e%2e/generate.py",
    ROOT.as_uri() + "/charts/other.svg",
    "http://127.0.0.1:9/x.css",
    "https://example.org/logo.svg",
    "ftp://example.org/x",
    "data:text/css,body{}",
    "file://otherhost/etc/passwd",
])
def test_refuses_everything_else(fetcher, url):
    with pytest.raises(RefusedURLError, match="refused"):
        fetcher.fetch(url)


def test_an_editions_folder_names_the_same_files():
    fetcher = ConfinedFetcher(ROOT, {"charts/x.svg": b"<svg/>"}, folder="b-en_files")
    folder = ROOT.as_uri() + "/b-en_files"
    assert fetcher.fetch(folder + "/assets/brand/logo.svg").read().startswith(b"<svg")
    assert fetcher.fetch(folder + "/charts/x.svg").read() == b"<svg/>"
    for url in (folder + "/../generate.py", folder + "/generate.py",
                folder + "/assets/%2e%2e/generate.py", ROOT.as_uri() + "/c-en_files/charts/x.svg"):
        with pytest.raises(RefusedURLError):
            fetcher.fetch(url)


def test_refuses_a_symlink_leading_out(tmp_path):
    root = tmp_path / "project"
    (root / "assets").mkdir(parents=True)
    (root / "templates").mkdir()
    secret = tmp_path / "secret.txt"
    secret.write_text("secret")
    os.symlink(secret, root / "assets" / "link.txt")
    with pytest.raises(RefusedURLError):
        ConfinedFetcher(root).fetch((root / "assets" / "link.txt").as_uri())


def test_weasyprint_never_reads_outside_files(caplog):
    html = f"""<html lang="en"><head><title>t</title>
      <link rel="stylesheet" href="file:///etc/passwd"></head>
      <body><p>x</p><img alt="a" src="../../../../../etc/hostname">
      <img alt="b" src="http://127.0.0.1:9/a.png">
      <img alt="c" src="{(ROOT / 'assets' / 'brand' / 'logo.svg').as_uri()}"></body></html>"""
    with caplog.at_level(logging.WARNING, logger="weasyprint"):
        pdf, pages, warnings = html_to_pdf(html, root=ROOT)
    assert pages == 1
    assert pdf.startswith(b"%PDF")
    joined = "\n".join(warnings)
    assert "/etc/passwd" in joined
    assert "/etc/hostname" in joined
    assert "127.0.0.1" in joined
    assert "logo.svg" not in joined
    assert len(warnings) == 3
