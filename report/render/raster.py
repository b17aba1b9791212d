"""The brand's logo (SVG, below assets/) -> a PNG, for mail clients that show no SVG.

WeasyPrint lays the logo out alone, 48 pt high, at the top left of a wide page; pypdfium2
renders that page on a transparent background, and the PNG is cut to what was drawn.
"""

from __future__ import annotations

import io
from pathlib import Path

from .. import PROJECT_ROOT
from ..errors import RenderError

LOGO_PX = 96  # the PNG's height: twice the 48 px the email shows it at, for sharp screens
_PAGE = ("<style>@page {{ size: 480pt 48pt; margin: 0 }} html, body {{ margin: 0 }}"
         " img {{ display: block; height: 48pt }}</style><img src=\"{src}\" alt=\"\">")


def render_logo_png(briefing, *, root: Path = PROJECT_ROOT, height: int = LOGO_PX) -> bytes:
    """Return the brand's logo as PNG bytes, `height` pixels high, width to scale."""
    import pypdfium2 as pdfium
    import weasyprint

    from .fetch import ConfinedFetcher

    root = Path(root).resolve()
    logo = root / "assets" / briefing.brand.logo
    try:
        pdf = weasyprint.HTML(string=_PAGE.format(src=logo.as_uri()),
                              base_url=root.as_uri() + "/",
                              url_fetcher=ConfinedFetcher(root)).write_pdf()
    except Exception as exc:  # WeasyPrint raises many kinds; report them as one
        raise RenderError(f"{logo}: cannot draw the logo for the email: "
                          f"{type(exc).__name__}: {exc}") from exc
    document = pdfium.PdfDocument(pdf)
    try:
        page = document[0]
        image = page.render(scale=height / page.get_height(), fill_color=(0, 0, 0, 0),
                            may_draw_forms=False).to_pil()
    finally:
        document.close()
    box = image.getchannel("A").getbbox()
    if box is None:
        raise RenderError(f"{logo}: the logo draws nothing; check the SVG file")
    out = io.BytesIO()
    image.crop(box).save(out, format="PNG", optimize=True)
    return out.getvalue()
