"""Finish WeasyPrint's tagged PDF: the structure a screen reader meets (pikepdf).

WeasyPrint 70 writes a PDF/UA-1 structure tree; this step, run on its output inside the
render stage, mends what it leaves out or gets wrong:

- page margin boxes (running header and footer): WeasyPrint builds their structure elements
  but leaves them out of the tree; here their marked content becomes
  `/Artifact <</Type /Pagination /Subtype /Header>>` (or `/Footer`) and the elements go;
- `/Scope` on every TH, from the `/Headers` WeasyPrint derived from the templates' `scope`
  (a header listed by cells of its own row is a row header, by other rows a column header);
- the `/IDTree` of the structure tree root, required once elements carry `/ID`;
- each link's `/Contents`, its words from the HTML (`data-describe` adds the page number:
  "Key messages, page 3") instead of the bare fragment id;
- `/Lang` on the spans that the data marked (`<span lang>`, see `phrases.py`);
- figure `/BBox` from CSS pixels measured from the top into PDF points inside the page.

It relies on a few facts about WeasyPrint's output, checked here (a `TaggingError` says which)
and in tests/test_tagging.py. The output is deterministic: the same input gives the same bytes.
"""

from __future__ import annotations

import io
import re
from collections import defaultdict
from html.parser import HTMLParser

import pikepdf
from pikepdf import Array, Dictionary, Name, String

from ..errors import RenderError


class TaggingError(RenderError):
    """WeasyPrint's PDF is not shaped as this step expects (a WeasyPrint upgrade?)."""


def tag_pdf(pdf: bytes, html: str) -> tuple:
    """Return (the mended PDF bytes, warnings) for WeasyPrint's `pdf` laid out from `html`."""
    facts = read_html(html)
    with pikepdf.open(io.BytesIO(pdf)) as doc:
        elements = list(walk_elements(doc))  # the steps change attributes, never the tree
        mark_margin_boxes(doc, elements)
        scope_header_cells(elements)
        add_id_tree(doc, elements)
        describe_links(doc, facts.links)
        warnings = mark_languages(doc, elements, facts.phrases)
        mend_figure_boxes(elements)
        out = io.BytesIO()
        doc.save(out, deterministic_id=True, compress_streams=True,
                 object_stream_mode=pikepdf.ObjectStreamMode.preserve)
    return out.getvalue(), warnings


# ---- What the HTML says --------------------------------------------------------------------

class HtmlFacts(HTMLParser):
    """The words of each link (by href) and the language-marked phrases, in document order."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.links = {}  # href -> (words, data-describe or None)
        self.phrases = []  # (lang, words)
        self._open = []  # [tag, attrs, collected text]

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if (tag == "a" and "href" in attrs) or (tag == "span" and "lang" in attrs):
            self._open.append([tag, attrs, []])

    def handle_data(self, data):
        for entry in self._open:
            entry[2].append(data)

    def handle_endtag(self, tag):
        if not self._open or self._open[-1][0] != tag:
            return
        tag, attrs, chunks = self._open.pop()
        words = " ".join("".join(chunks).split())
        if tag == "a":
            self.links.setdefault(attrs["href"], (words, attrs.get("data-describe")))
        else:
            self.phrases.append((attrs["lang"], words))


def read_html(html: str) -> HtmlFacts:
    """Parse the edition's HTML for the facts the PDF lost."""
    facts = HtmlFacts()
    facts.feed(html)
    facts.close()
    return facts


# ---- Walking the structure tree ------------------------------------------------------------

def _kids(node) -> list:
    kids = node.get("/K")
    if kids is None:
        return []
    return list(kids) if isinstance(kids, Array) else [kids]


def _is_element(node) -> bool:
    return isinstance(node, Dictionary) and "/S" in node


def walk_elements(doc):
    """Yield every structure element reachable from the root, in reading order."""
    stack = list(reversed(_kids(doc.Root.StructTreeRoot)))
    while stack:
        node = stack.pop()
        if _is_element(node):
            yield node
            stack.extend(reversed(_kids(node)))


def _mcids(element) -> list:
    return [kid for kid in _kids(element) if isinstance(kid, int)]


# ---- Margin boxes -> artifacts -------------------------------------------------------------

def mark_margin_boxes(doc, elements) -> None:
    """Turn the marked content of elements outside the tree (`elements`, every element in
    it) into pagination artifacts."""
    in_tree = {element.objgen for element in elements}
    nums = doc.Root.StructTreeRoot.ParentTree.Nums
    page_index = {page.objgen: i for i, page in enumerate(doc.pages)}
    for key, value in zip(nums[::2], nums[1::2], strict=True):
        if int(key) >= len(doc.pages) or not isinstance(value, Array):
            continue  # annotations' entries
        outside = {mcid for mcid, element in enumerate(value)
                   if _is_element(element) and element.objgen not in in_tree}
        for mcid in outside:
            _check_margin_box(value[mcid], doc, page_index, int(key))
            value[mcid] = None
        if outside:
            _artifact_content(doc, doc.pages[int(key)], outside)


def _check_margin_box(element, doc, page_index, page_number) -> None:
    parent = element.get("/P")
    document = _kids(doc.Root.StructTreeRoot)[0]
    if not (_is_element(parent) and parent.S == "/NonStruct"
            and parent.P.objgen == document.objgen
            and page_index.get(element.Pg.objgen) == page_number):
        raise TaggingError(
            f"page {page_number + 1}: a {element.S} element outside the structure tree is not "
            "a page margin box as WeasyPrint 70 writes them; check report/render/tagging.py "
            "against this WeasyPrint version")


def _artifact_content(doc, page, mcids: set) -> None:
    """Rewrite the page's marked content `mcids` as header or footer artifacts (a header if
    its first text is in the upper half of the page), in one pass over the content."""
    height = float(page.MediaBox[3])
    ops = [(operands, operator) for operands, operator in pikepdf.parse_content_stream(page)]
    ctm, saved, current = (1, 0, 0, 1, 0, 0), [], None
    starts, positions = defaultdict(list), {}  # MCID -> its BDC's indices; its first text's y
    for index, (operands, operator) in enumerate(ops):
        op = str(operator)
        if op == "q":
            saved.append(ctm)
        elif op == "Q":
            ctm = saved.pop()
        elif op == "cm":
            ctm = _multiply(tuple(float(x) for x in operands), ctm)
        elif op == "BDC":
            current = _mcid_of(operands, operator)
            if current in mcids:
                starts[current].append(index)
        elif op == "Tm" and current in starts and current not in positions:
            positions[current] = _multiply(tuple(float(x) for x in operands), ctm)[5]
            if len(positions) == len(mcids):
                break  # an MCID marks one sequence of a page: all found and placed
    for mcid, indices in starts.items():
        where = "/Header" if positions.get(mcid, 0) > height / 2 else "/Footer"
        for index in indices:
            ops[index] = ([Name.Artifact, Dictionary(Type=Name.Pagination, Subtype=Name(where))],
                          ops[index][1])
    page.obj.Contents = doc.make_stream(pikepdf.unparse_content_stream(ops))


def _mcid_of(operands, operator):
    if str(operator) == "BDC" and isinstance(operands[1], Dictionary):
        return operands[1].get("/MCID")
    return None


def _multiply(m, n):
    a, b, c, d, e, f = m
    p, q, r, s, t, u = n
    return (a * p + b * r, a * q + b * s, c * p + d * r, c * q + d * s,
            e * p + f * r + t, e * q + f * s + u)


# ---- Tables ----------------------------------------------------------------------------------

def scope_header_cells(elements) -> None:
    """Give every TH a /Scope: Row, Column or Both, from the cells that list it as header."""
    for table in [e for e in elements if e.S == "/Table"]:
        rows = [e for e in _descendants(table) if e.S == "/TR"]
        listed = defaultdict(set)  # header ID -> "same row" / "other row"
        headers = []
        for row in rows:
            cells = [kid for kid in _kids(row) if _is_element(kid)]
            own = {bytes(c.ID) for c in cells if c.S == "/TH" and "/ID" in c}
            headers.extend((c, row) for c in cells if c.S == "/TH")
            for cell in cells:
                for key in (cell.get("/A") or {}).get("/Headers", []):
                    listed[bytes(key)].add("row" if bytes(key) in own else "column")
        for cell, row in headers:
            cell.A.Scope = _scope(listed.get(bytes(cell.get("/ID", b""))), row)


def _scope(listed, row):
    if listed == {"row"}:
        return Name.Row
    if listed == {"column"}:
        return Name.Column
    if listed:
        return Name.Both
    return Name.Column if row.P.S == "/THead" else Name.Row


def _descendants(element):
    for kid in _kids(element):
        if _is_element(kid):
            yield kid
            yield from _descendants(kid)


def add_id_tree(doc, elements) -> None:
    """Add the structure tree root's /IDTree (a name tree of every element /ID)."""
    ids = {bytes(e.ID): e for e in elements if "/ID" in e}
    if not ids:
        return
    names = Array()
    for key in sorted(ids):
        names.extend([String(key), ids[key]])
    doc.Root.StructTreeRoot.IDTree = doc.make_indirect(Dictionary(Names=names))


# ---- Links -----------------------------------------------------------------------------------

def describe_links(doc, links: dict) -> None:
    """Set each link annotation's /Contents to its words (and page, where the HTML asks)."""
    pages = {page.objgen: i + 1 for i, page in enumerate(doc.pages)}
    names = doc.Root.get("/Names")
    dests = pikepdf.NameTree(names.Dests) if names is not None and "/Dests" in names else {}
    for page in doc.pages:
        for annot in page.get("/Annots") or []:
            if annot.get("/Subtype") != "/Link":
                continue
            internal = "/Dest" in annot
            href = "#" + str(annot.Dest) if internal else str(annot.A.URI)
            if href not in links:
                raise TaggingError(f"a link to {href} is in the PDF but not in the HTML")
            words, describe = links[href]
            if describe and internal:
                words = describe.format(text=words, page=pages[dests[str(annot.Dest)][0].objgen])
            annot.Contents = String(words)


# ---- Language of parts -----------------------------------------------------------------------

def mark_languages(doc, elements, phrases: list) -> list:
    """Put /Lang on the /Span elements (of `elements`, in reading order) of the marked
    phrases; warn of any not found."""
    pages = {page.objgen: i for i, page in enumerate(doc.pages)}
    texts = _PageTexts(doc)
    wanted = list(phrases)
    remaining = wanted[0][1] if wanted else ""
    for element in elements:
        if not wanted or element.S != "/Span" or not any(map(_is_element, _kids(element))):
            continue
        words = " ".join(_span_text(element, texts, pages).split())
        if words and remaining.startswith(words):
            element.Lang = String(wanted[0][0])
            remaining = remaining[len(words):].strip()
            if not remaining:
                wanted.pop(0)
                remaining = wanted[0][1] if wanted else ""
        else:
            remaining = wanted[0][1]
    return [f"PDF tagging: the phrase '{words}' marked as lang={lang} was not found in the PDF"
            for lang, words in wanted]


def _span_text(element, texts, pages) -> str:
    parts = []
    for kid in _kids(element):
        if _is_element(kid):
            page = texts[pages[kid.Pg.objgen]]
            parts.extend(page.get(mcid, "") for mcid in _mcids(kid))
    return "".join(parts)


class _PageTexts(dict):
    """{page index: {MCID: text}}, each page decoded when first asked for."""

    def __init__(self, doc):
        super().__init__()
        self.doc = doc

    def __missing__(self, index):
        self[index] = _marked_texts(self.doc.pages[index])
        return self[index]


def _marked_texts(page) -> dict:
    """{MCID: its text}, decoded with the fonts' ToUnicode maps."""
    fonts = {name: _to_unicode(font) for name, font in (page.Resources.get("/Font") or {}).items()}
    texts, current, font = defaultdict(str), None, {}
    for operands, operator in pikepdf.parse_content_stream(page):
        op = str(operator)
        if op == "BDC":
            current = _mcid_of(operands, operator)
        elif op == "EMC":
            current = None
        elif op == "Tf":
            font = fonts.get(str(operands[0]), {})
        elif op in ("Tj", "TJ") and current is not None:
            strings = operands[0] if op == "TJ" else [operands[0]]
            for item in strings:
                if isinstance(item, String):
                    raw = bytes(item)
                    texts[current] += "".join(font.get(raw[i:i + 2], "")
                                              for i in range(0, len(raw), 2))
    return dict(texts)


_BFCHAR = re.compile(rb"<([0-9a-fA-F]{4})>\s*<([0-9a-fA-F]+)>")


def _to_unicode(font) -> dict:
    """{2-byte code: text} from a Type0 font's ToUnicode bfchar entries (WeasyPrint's form)."""
    if "/ToUnicode" not in font:
        return {}
    cmap = font.ToUnicode.read_bytes()
    return {bytes.fromhex(code.decode()): bytes.fromhex(uni.decode()).decode("utf-16-be")
            for code, uni in _BFCHAR.findall(cmap)}


# ---- Figures ---------------------------------------------------------------------------------

def mend_figure_boxes(elements) -> None:
    """Convert each figure's /BBox from CSS pixels (from the top) to PDF points on its page."""
    bases = {}
    for element in elements:
        if element.S != "/Figure" or "/BBox" not in (element.get("/A") or {}):
            continue
        page = pikepdf.Page(element.Pg)
        if page.objgen not in bases:
            bases[page.objgen] = _base_matrix(page)
        x1, y1, x2, y2 = (float(v) for v in element.A.BBox)
        (ax, ay), (bx, by) = (_apply(bases[page.objgen], x, y) for x, y in ((x1, y1), (x2, y2)))
        box = [round(v, 3) for v in (min(ax, bx), min(ay, by), max(ax, bx), max(ay, by))]
        _check_inside(box, page)
        element.A.BBox = Array(box)


def _base_matrix(page):
    """The transform WeasyPrint sets before drawing: CSS pixels from the top -> PDF points."""
    ctm = (1, 0, 0, 1, 0, 0)
    for operands, operator in pikepdf.parse_content_stream(page):
        if str(operator) == "cm":
            ctm = _multiply(tuple(float(x) for x in operands), ctm)
        elif str(operator) != "q":
            break
    return ctm


def _apply(m, x, y):
    return x * m[0] + y * m[2] + m[4], x * m[1] + y * m[3] + m[5]


def _check_inside(box, page) -> None:
    left, bottom, right, top = (float(v) for v in page.MediaBox)
    inside_x = left - 1 <= box[0] <= box[2] <= right + 1
    if not (inside_x and bottom - 1 <= box[1] <= box[3] <= top + 1):
        raise TaggingError(f"a figure's box {box} falls outside its page after conversion; "
                           "WeasyPrint's page transform is not the one this step expects")
