"""Light formatting inside a paragraph: **bold**, *italic* and [links](https://...).

A small Markdown subset through markdown-it-py: only the emphasis and link rules are on and
raw HTML is off, so everything else (headings, lists, code, `<b>`) prints as written, and
HTML in the data comes out as literal text. Links may point to http, https or mailto only;
each is followed by its address in a `link-url` span, which the stylesheet hides on screen
and prints on paper (outside the link, so the PDF has one link annotation per link text).
"""

from __future__ import annotations

from markdown_it import MarkdownIt
from markdown_it.common.utils import escapeHtml
from markupsafe import Markup

LINK_SCHEMES = ("https://", "http://", "mailto:")


def _make_parser() -> MarkdownIt:
    md = MarkdownIt("zero", {"html": False}).enable(["emphasis", "link"])
    md.validateLink = lambda url: url.lower().startswith(LINK_SCHEMES)
    md.add_render_rule("link_close", _close_link)
    return md


def _close_link(self, tokens, idx, options, env) -> str:
    url = escapeHtml(tokens[idx].meta["url"])
    return f'</a><span class="link-url"> ({url})</span>'


_MD = _make_parser()


def format_inline(text: str) -> Markup:
    """Return `text` as safe HTML with its bold, italic and links; all else escaped."""
    tokens = _MD.parseInline(text)
    for token in tokens:
        href = ""
        for child in token.children or ():
            if child.type == "link_open":
                href = str(child.attrGet("href"))
                child.attrSet("class", "text-link")
            elif child.type == "link_close":
                child.meta["url"] = href.removeprefix("mailto:")
    return Markup(_MD.renderer.render(tokens, _MD.options, {}))
