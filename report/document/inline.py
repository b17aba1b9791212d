"""Inline marks in data text -> safe HTML: **bold**, *italic*, links, and phrases in another
language. Everything else prints as written.

A small Markdown subset through markdown-it-py: only the emphasis, link and autolink rules
are on and raw HTML is off, so everything else (headings, lists, code, `<b>`) prints as
written and HTML in the data comes out as literal text.

- `**bold**`, `*italic*`.
- `[the sheet](https://...)`: a link (http, https or mailto only), followed by its address
  in a `link-url` span that the stylesheet hides on screen and prints on paper (outside the
  link, so the PDF has one link annotation per link text).
- `<https://www.icrc.org/en/contact>`: an address that is its own link text.
- `[Contact Us](lang=en)`: words in another language; they become
  `<span lang="en">Contact Us</span>` and `/Lang (en)` in the tagged PDF, so a screen
  reader speaks them with the right voice (not `{lang=en}`: braces are placeholders).

Both the PDF and the HTML email use `format_inline`; `find_mark_problems` is the check run
at load time for marks that are almost, but not quite, right.
"""

from __future__ import annotations

import re

from markdown_it import MarkdownIt
from markdown_it.common.utils import escapeHtml
from markupsafe import Markup

LINK_SCHEMES = ("https://", "http://", "mailto:")
LANG_CODE = r"[a-z]{2,3}(?:-[A-Za-z0-9]{2,8})*"
_LANG_TARGET = re.compile(r"lang=(" + LANG_CODE + r")")
_MARK = re.compile(
    r"\[(?P<words>[^\[\]\n]+)\]\(lang=(?P<lang>" + LANG_CODE + r")\)"
    r"|<(?P<url>(?:https?://|mailto:)[^\s<>\"'`]+)>")
_ALMOST = re.compile(r"\]\(\s*lang\s*=|<\s*(?:https?://|mailto:)", re.IGNORECASE)


def _valid_target(url: str) -> bool:
    return url.lower().startswith(LINK_SCHEMES) or bool(_LANG_TARGET.fullmatch(url))


def _make_parser() -> MarkdownIt:
    md = MarkdownIt("zero", {"html": False}).enable(["emphasis", "link", "autolink"])
    md.validateLink = _valid_target
    md.add_render_rule("link_open", _open_link)
    md.add_render_rule("link_close", _close_link)
    return md


def _open_link(self, tokens, idx, options, env) -> str:
    token = tokens[idx]
    lang = token.meta.get("lang")
    if lang:
        return f'<span lang="{lang}">'
    return self.renderToken(tokens, idx, options, env)


def _close_link(self, tokens, idx, options, env) -> str:
    meta = tokens[idx].meta
    if meta.get("lang"):
        return "</span>"
    if meta.get("autolink"):
        return "</a>"
    return f'</a><span class="link-url"> ({escapeHtml(meta["url"])})</span>'


_MD = _make_parser()


def format_inline(text: str) -> Markup:
    """Return `text` as safe HTML with its bold, italic, links and language marks."""
    tokens = _MD.parseInline(text)
    for token in tokens:
        opened = {}
        for child in token.children or ():
            if child.type == "link_open":
                opened = _classify_link(child)
            elif child.type == "link_close":
                child.meta = dict(opened)
    return Markup(_MD.renderer.render(tokens, _MD.options, {}))


def _classify_link(token) -> dict:
    """Return what a link token stands for, and set its attributes accordingly."""
    href = str(token.attrGet("href"))
    lang = _LANG_TARGET.fullmatch(href)
    if lang:
        token.meta = {"lang": lang[1]}
        return token.meta
    if token.markup == "autolink":
        token.meta = {"autolink": True}
        return token.meta
    token.attrSet("class", "text-link")
    token.meta = {"url": href.removeprefix("mailto:")}
    return token.meta


def find_mark_problems(text: str) -> list:
    """Return one sentence per mark in `text` that is malformed (empty when all are right).

    A mark that does not parse would print as typed, brackets and all.
    """
    problems = []
    rest = _MARK.sub(lambda m: " " * len(m[0]), text)
    for almost in _ALMOST.finditer(rest):
        snippet = rest[max(0, almost.start() - 20):almost.end() + 20].strip()
        problems.append(
            f"malformed mark near '{snippet}': write [words](lang=en) for words in another "
            "language, <https://address> for a link")
    return problems
