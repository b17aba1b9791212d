"""Preview: PDF pages -> PNG images (pypdfium2), for the README and for looking at a layout.

`python -m report.preview [PDF ...] [--out DIR] [--pages 1,5] [--scale 1.0]`
"""

from __future__ import annotations

import argparse
from pathlib import Path


def render_pages(pdf_path: Path, out_dir: Path, *, pages=None, scale: float = 1.0) -> list:
    """Write <stem>-p<N>.png for the chosen pages (1-based; default all); return the paths."""
    import pypdfium2 as pdfium

    out_dir.mkdir(parents=True, exist_ok=True)
    pdf = pdfium.PdfDocument(str(pdf_path))
    written = []
    try:
        numbers = pages or range(1, len(pdf) + 1)
        for number in numbers:
            image = pdf[number - 1].render(scale=scale).to_pil()
            target = out_dir / f"{pdf_path.stem}-p{number}.png"
            image.save(target, optimize=True)
            written.append(target)
    finally:
        pdf.close()
    return written


def main(argv=None) -> int:
    """Render the pages asked for of each PDF to PNG; print the files written."""
    parser = argparse.ArgumentParser(prog="python -m report.preview")
    parser.add_argument("pdfs", nargs="*", type=Path,
                        default=[Path("out/briefing-en.pdf")])
    parser.add_argument("--out", type=Path, default=Path("out/preview"))
    parser.add_argument("--pages", default=None, help="comma-separated page numbers")
    parser.add_argument("--scale", type=float, default=1.0)
    args = parser.parse_args(argv)
    pages = [int(p) for p in args.pages.split(",")] if args.pages else None
    for pdf in args.pdfs:
        for path in render_pages(pdf, args.out, pages=pages, scale=args.scale):
            print(path)  # noqa: T201
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
