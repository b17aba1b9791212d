"""Mark up a data sentence for HTML: language-marked phrases and links, everything else escaped.

Two marks, both written in the data text (after its {placeholders} are filled):

- `[Contact Us](lang=en)`: the words between the brackets are in another language; they
  become `<span lang="en">Contact Us</span>`, and `/Lang (en)` in the tagged PDF, so that a
  screen reader speaks them with the right voice. (Not `{lang=en}`: braces are placeholders.)
- `<https://www.icrc.org/en/contact>`: a web address that is a link; it becomes
  `<a href="https://...">https://...</a>`. Only https addresses, as in Markdown's autolinks.

Everything else is escaped first: the data can never inject HTML. `find_mark_problems` is
the same parser used as a check: it names each mark that is almost, but not quite, right.
"""

from __future__ import annotations

import re

from markupsafe import Markup, escape

LANG_CODE = r"[a-z]{2,3}(?:-[A-Za-z0-9]{2,8})*"
_MARK = re.compile(
    r"\[(?P<words>[^\[\]\n]+)\]\(lang=(?P<lang>" + LANG_CODE + r")\)"
    r"|<(?P<url>https://[^\s<>\"'`]+)>")
_ALMOST = re.compile(r"\]\(\s*lang\s*=|<\s*https?://", re.IGNORECASE)


def mark_phrases(text: str) -> Markup:
    """Return `text` as safe HTML: marks become <span lang> and <a href>, the rest escaped."""
    out, end = [], 0
    for match in _MARK.finditer(text):
        out.append(escape(text[end:match.start()]))
        out.append(_render_mark(match))
        end = match.end()
    out.append(escape(text[end:]))
    return Markup("").join(out)


def _render_mark(match: re.Match) -> Markup:
    if match["url"]:
        url = escape(match["url"])
        return Markup(f'<a href="{url}">{url}</a>')
    return Markup('<span lang="{}">{}</span>').format(match["lang"], match["words"])


def find_mark_problems(text: str) -> list:
    """Return one sentence per mark in `text` that is malformed (empty when all are right).

    For the data checks: a mark that does not parse would print as typed, brackets and all.
    """
    problems = []
    rest = _MARK.sub(lambda m: " " * len(m[0]), text)
    for almost in _ALMOST.finditer(rest):
        snippet = rest[max(0, almost.start() - 20):almost.end() + 20].strip()
        problems.append(
            f"malformed mark near '{snippet}': write [words](lang=en) for words in another "
            "language, <https://address> for a link")
    return problems
