"""A Letter (what an edition's messages say) and one recipient -> the plain-text and the HTML
body, saying the same things in the same order: greeting, body, what changed since the last
edition, the headline figures (as in the PDF's cover band) with the date they are as of, the
attachment beside a thumbnail of the cover, the sign-off, and how to stop receiving the
briefings.

The HTML is written for mail clients: styles inline, one centring table and a table per
row that must keep two things side by side (logo and name, cover and attachment line);
the figures are inline blocks that sit side by side when there is room and stack on a
phone. Pictures are `cid:` parts of the message, and link to nothing.
"""

from __future__ import annotations

import html

from ..document.inline import format_inline

FONT = "font-family:{family},Arial,Helvetica,sans-serif"
_TABLE = 'role="presentation" cellpadding="0" cellspacing="0" border="0"'


def greeting(letter, name: str) -> str:
    """'Dear Ann Donor,' or, with no name, the edition's neutral greeting."""
    return letter.greeting.format(name=name) if name else letter.greeting_neutral


def opt_out_line(letter, opt_out, token: str) -> str:
    """The sentence that tells a reader how to stop receiving the briefings."""
    if opt_out.url:
        return letter.opt_out_web.format(url=opt_out.link(token))
    return letter.opt_out_mail.format(address=opt_out.mailto, token=token)


def plain_text(letter, name: str, *, opt_out, token: str) -> str:
    """The text/plain part."""
    blocks = [greeting(letter, name), *letter.paragraphs]
    blocks += [letter.since] if letter.since else []
    if letter.figures:
        lines = [f"{letter.figures_title}:"]
        lines += [f"- {fig.label}: {fig.text}" for fig in letter.figures]
        blocks.append("\n".join(lines))
    blocks += [letter.figures_as_of, letter.attachment]
    if letter.closing:
        blocks.append("\n".join(letter.closing))
    blocks.append(f"-- \n{letter.brand}\n{opt_out_line(letter, opt_out, token)}")
    return "\n\n".join(blocks) + "\n"


def html_text(letter, name: str, *, opt_out, token: str) -> str:
    """The text/html part: a complete document with inline styles."""
    esc, c = html.escape, letter.colours
    font = FONT.format(family=esc(letter.font_family))
    rows = [_header_row(letter, font), _body_row(letter, name, font)]
    if letter.figures:
        rows.append(_figures_row(letter, font))
    rows += [_attachment_row(letter, font), _closing_row(letter, font),
             _footer_row(letter, font, opt_out, token)]
    inner = "\n".join(rows)
    return (f'<!DOCTYPE html>\n<html lang="{esc(letter.lang)}"><head><meta charset="utf-8">'
            '<meta name="viewport" content="width=device-width, initial-scale=1">'
            f"<title>{esc(letter.subject)}</title></head>\n"
            f'<body style="margin:0;padding:0;background:{c["tint"]};{font}">\n'
            f'<table {_TABLE} width="100%" style="background:{c["tint"]}"><tr>'
            '<td align="center" style="padding:16px 8px">\n'
            f'<table {_TABLE} width="100%" style="max-width:600px;background:#ffffff;'
            f'color:{c["text"]};border-collapse:collapse">\n{inner}\n</table>\n'
            "</td></tr></table>\n</body></html>\n")


def _row(content: str, style: str = "") -> str:
    return f'<tr><td style="padding:20px 24px;{style}">{content}</td></tr>'


def _header_row(letter, font) -> str:
    esc, c = html.escape, letter.colours
    name = (f'<span style="{font};color:#ffffff;font-size:20px;font-weight:bold;'
            f'line-height:24px">{esc(letter.brand)}</span>')
    if letter.logo is None:
        cells = f"<td>{name}</td>"
    else:
        logo = letter.logo
        width = round(logo.width * 48 / logo.height)
        cells = (f'<td width="{width}" style="padding-right:12px">'
                 f'<img src="cid:{esc(logo.cid)}" width="{width}" height="48" alt="" '
                 'style="display:block;border:0"></td>'
                 f'<td style="vertical-align:middle">{name}</td>')
    return _row(f"<table {_TABLE}><tr>{cells}</tr></table>",
                f"background:{c['primary']};border-bottom:4px solid {c['accent']};"
                "padding-top:16px;padding-bottom:16px")


def _body_row(letter, name, font) -> str:
    esc = html.escape
    para = f'style="{font};margin:0 0 14px;font-size:16px;line-height:24px"'
    parts = [f"<p {para}>{esc(greeting(letter, name))}</p>"]
    parts += [f"<p {para}>{format_inline(text)}</p>" for text in letter.paragraphs]  # bold, links
    parts += [f"<p {para}>{esc(letter.since)}</p>"] if letter.since else []
    return _row("\n".join(parts), "padding-bottom:6px")


def _figures_row(letter, font) -> str:
    esc, c = html.escape, letter.colours
    cards = []
    for fig in letter.figures:
        unit = (f'<p style="{font};margin:2px 0 0;font-size:14px;font-weight:bold;'
                f'color:#ffffff">{esc(fig.unit)}</p>' if fig.unit else "")
        as_of = (f'<p style="{font};margin:4px 0 0;font-size:13px;color:{c["tint"]};'
                 f'opacity:0.85">{esc(fig.as_of)}</p>' if fig.as_of else "")
        cards.append(
            '<div style="display:inline-block;vertical-align:top;width:260px;max-width:100%;'
            'padding:0 0 14px">'
            f'<p style="{font};margin:0;font-size:30px;line-height:34px;font-weight:900;'
            f'color:#ffffff">{esc(fig.value)}</p>{unit}'
            f'<p style="{font};margin:4px 0 0;font-size:14px;line-height:19px;'
            f'color:{c["tint"]}">{esc(fig.label)}</p>{as_of}</div>')
    title = (f'<h2 style="{font};margin:0 0 12px;font-size:15px;font-weight:bold;'
             f'color:{c["tint"]}">{esc(letter.figures_title)}</h2>')
    note = (f'<p style="{font};margin:2px 0 0;font-size:13px;color:{c["tint"]}">'
            f"{esc(letter.figures_as_of)}</p>")
    return _row(title + "".join(cards) + note,
                f"background:{c['primary']};border-top:4px solid {c['accent']}")


def _attachment_row(letter, font) -> str:
    esc, cover = html.escape, letter.cover
    width = 100
    height = round(cover.height * width / cover.width)
    text = (f'<p style="{font};margin:0;font-size:15px;line-height:22px">'
            f"{esc(letter.attachment)}</p>")
    return _row(f'<table {_TABLE} width="100%"><tr>'
                f'<td width="{width}" style="padding-right:16px;vertical-align:top">'
                f'<img src="cid:{esc(cover.cid)}" width="{width}" height="{height}" '
                f'alt="{esc(letter.cover_alt)}" style="display:block;border:1px solid '
                f'{letter.colours["tint"]}"></td>'
                f'<td style="vertical-align:middle">{text}</td></tr></table>')


def _closing_row(letter, font) -> str:
    if not letter.closing:
        return ""
    esc = html.escape
    sign_off, name, *rest = letter.closing
    lines = [f'<p style="{font};margin:0 0 6px;font-size:16px">{esc(sign_off)}</p>',
             f'<p style="{font};margin:0;font-size:16px;font-weight:bold">{esc(name)}</p>']
    lines += [f'<p style="{font};margin:0;font-size:14px;color:{letter.colours["muted"]}">'
              f"{esc(line)}</p>" for line in rest]
    return _row("\n".join(lines), "padding-top:4px")


def _footer_row(letter, font, opt_out, token) -> str:
    esc, c = html.escape, letter.colours
    line = esc(opt_out_line(letter, opt_out, token))
    target = opt_out.link(token)
    shown = opt_out.url and target or opt_out.mailto
    line = line.replace(esc(shown), f'<a href="{esc(target)}" style="color:{c["secondary"]}">'
                                    f"{esc(shown)}</a>", 1)
    return _row(f'<p style="{font};margin:0;font-size:13px;line-height:19px;'
                f'color:{c["muted"]}">{esc(letter.brand)} · {line}</p>',
                f"border-top:1px solid {c['tint']}")
