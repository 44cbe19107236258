"""The body of a notice's HTML as Typst source, so that the PDF says exactly what the HTML says.

The notices' templates keep to a small HTML subset (``templates/base.html.j2``): h1–h4, p (with
``align``), br, b, i, font (``face``, ``style="font-size: N"``), ul/li, table/tr/th/td (``width``
as a share of the table, ``align``, ``colspan``), and img for a chart embedded as a ``data:``
URI (PNG or SVG, ``width`` in CSS pixels). Each is mapped to one Typst function of the
page setup (``pdf.PAGE``); every piece of text goes through as a Typst string literal, so
no character of the data is ever read as markup (no smart quotes, no ``*``, ``#`` or ``$``).
Whitespace collapses as in a browser; ``&nbsp;`` and narrow no-break spaces are kept.

An unknown tag is an error (``UnsupportedMarkup``): a template change that the PDF could not
show is caught by the tests, not silently dropped from a legal document.
"""

from __future__ import annotations

import re
from html import unescape

_WS = re.compile(r"[ \t\r\n\f]+")
_TAG = re.compile(r"<(/?)([a-zA-Z][a-zA-Z0-9]*)((?:[^>\"']|\"[^\"]*\"|'[^']*')*)>|<!--.*?-->|<![^>]*>", re.S)
_ATTR = re.compile(r"([a-zA-Z_:][-a-zA-Z0-9_:.]*)(?:\s*=\s*(?:\"([^\"]*)\"|'([^']*)'|([^\s\"'=<>`]+)))?")
_FONT_SIZE = re.compile(r"font-size:\s*([0-9.]+)")
_NUMBER = re.compile(r"^[0-9]+(?:\.[0-9]+)?$")
HEADINGS = {"h1": 1, "h2": 2, "h3": 3, "h4": 4}
IGNORED = {"html", "head", "body", "meta", "title", "style"}  # the PDF draws the body's content


class UnsupportedMarkup(ValueError):
    """A tag or attribute of the notice's HTML that the PDF cannot show."""


def string(text: str) -> str:
    """``text`` as a Typst string literal."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


_DATA_URI = re.compile(r"^data:image/(png|svg\+xml);base64,([A-Za-z0-9+/=\s]+)$")


def image(attrs: dict) -> str:
    """``<img src="data:image/png;base64,…" width="N">`` as a Typst image of its bytes (no file
    is read: the PDF holds exactly the picture the HTML shows); any other source is refused."""
    import base64

    match = _DATA_URI.match((attrs.get("src") or "").strip())
    if not match:
        raise UnsupportedMarkup("image hors d'une URI data: PNG ou SVG")
    data = base64.b64decode(match.group(2))
    fmt = "png" if match.group(1) == "png" else "svg"
    width = attrs.get("width")
    size = ""
    if width:
        if not _NUMBER.match(width):
            raise UnsupportedMarkup(f"largeur d'image {width!r} non prise en charge")
        size = f", width: {float(width) * 0.75:g}pt"  # CSS px → pt
    return f"#box(image(bytes(({','.join(map(str, data))},)), format: {string(fmt)}{size}))"


class _Cell:
    __slots__ = ("header", "align", "colspan", "width", "parts")

    def __init__(self, header: bool, align: str, colspan: int, width: str | None) -> None:
        self.header, self.align, self.colspan, self.width = header, align, colspan, width
        self.parts: list[str] = []


class _Converter:
    """A tokenizer for the templates' own well-formed HTML (quoted attributes, no script), with
    handlers in the manner of ``html.parser`` (which took more time than Typst for a notice)."""

    def __init__(self) -> None:
        self.stack: list[list[str]] = [[]]  # content being built, innermost last
        self.tags: list[str] = []
        self.tables: list[dict] = []
        self.lists: list[list[str]] = []  # the items of each open <ul>
        self.skip = 0  # inside <head>, <style>, <title>
        self.space_pending = False
        self.at_line_start = True

    # -- text ---------------------------------------------------------------------------------
    def _emit(self, code: str) -> None:
        self.stack[-1].append(code)

    def handle_data(self, data: str) -> None:
        if self.skip:
            return
        text = _WS.sub(" ", data)
        if not text:
            return
        if self.tables and self.tables[-1]["cell"] is None:
            if text.strip():
                raise UnsupportedMarkup(f"texte hors cellule dans un tableau : {text.strip()[:40]!r}")
            return
        if text.startswith(" "):
            self.space_pending = True
            text = text[1:]
        if not text:
            return
        trailing = text.endswith(" ")
        text = text.rstrip(" ")
        if self.space_pending and not self.at_line_start:
            text = " " + text
        self.space_pending = trailing
        self.at_line_start = False
        self._emit("#" + string(text))

    def _block_boundary(self) -> None:
        self.space_pending = False
        self.at_line_start = True

    def _open(self) -> None:
        self.stack.append([])

    def _close(self) -> str:
        return "".join(self.stack.pop())

    # -- tags ---------------------------------------------------------------------------------
    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag in IGNORED:
            if tag in ("head", "style", "title"):
                self.skip += 1
            return
        if self.skip:
            return
        if tag == "br":
            self._emit("#linebreak()")
            self._block_boundary()
            return
        if tag == "hr":
            self._emit("#line(length: 100%, stroke: 0.3pt)")
            self._block_boundary()
            return
        if tag == "img":
            self._emit(image(a))
            return
        self.tags.append(tag)
        if tag == "li" and (not self.lists or self.tags[-2:-1] != ["ul"]):
            raise UnsupportedMarkup("<li> hors d'une liste <ul>")
        if tag in ("p", "li") or tag in HEADINGS:
            self._block_boundary()
            self._open()
        elif tag in ("b", "i", "font"):
            if tag == "font":
                self._check_font(a)
            self._open()
            self.tags[-1] = (tag, a)  # type: ignore[assignment]
        elif tag == "ul":
            self._block_boundary()
            self._open()  # holds nothing: text between the items is refused
            self.lists.append([])
        elif tag == "table":
            self._block_boundary()
            self.tables.append({"rows": [], "row": None, "cell": None})
        elif tag == "tr":
            self._table("tr")["row"] = []
        elif tag in ("td", "th"):
            table = self._table(tag)
            colspan = int(a.get("colspan") or 1)
            cell = _Cell(tag == "th", (a.get("align") or "").lower(), colspan, a.get("width"))
            table["cell"] = cell
            self._block_boundary()
            self._open()
        else:
            raise UnsupportedMarkup(f"balise <{tag}> non prise en charge par le rendu PDF des notices")
        if tag == "p":
            self.tags[-1] = ("p", a)  # type: ignore[assignment]

    def _table(self, tag: str) -> dict:
        if not self.tables:
            raise UnsupportedMarkup(f"<{tag}> hors d'un tableau")
        return self.tables[-1]

    @staticmethod
    def _check_font(a: dict) -> None:
        face = a.get("face")
        if face not in (None, "dejavu", "dejavumono"):
            raise UnsupportedMarkup(f"police {face!r} non prise en charge")

    def handle_endtag(self, tag: str) -> None:
        if tag in IGNORED:
            if tag in ("head", "style", "title"):
                self.skip -= 1
            return
        if self.skip or tag in ("br", "hr"):
            return
        if not self.tags:
            raise UnsupportedMarkup(f"</{tag}> sans balise ouvrante")
        top = self.tags.pop()
        name, a = top if isinstance(top, tuple) else (top, {})
        if name != tag:
            raise UnsupportedMarkup(f"</{tag}> ferme <{name}>")
        if tag == "p":
            body = self._close()
            align = (a.get("align") or "").lower()
            self._emit(f"#para(align: {'right' if align == 'right' else 'left'})[{body}]\n")
            self._block_boundary()
        elif tag in HEADINGS:
            self._emit(f"#hd({HEADINGS[tag]})[{self._close()}]\n")
            self._block_boundary()
        elif tag == "li":
            self.lists[-1].append(f"[{self._close()}]")
            self._block_boundary()
        elif tag == "ul":
            if self._close():
                raise UnsupportedMarkup("texte hors des éléments <li> d'une liste")
            self._emit(f"#items({', '.join(self.lists.pop())})\n")
            self._block_boundary()
        elif tag == "b":
            self._emit(f"#text(weight: \"bold\")[{self._close()}]")
        elif tag == "i":
            self._emit(f"#emph[{self._close()}]")
        elif tag == "font":
            args = []
            if a.get("face") == "dejavumono":
                args.append('font: "DejaVu Sans Mono"')
            m = _FONT_SIZE.search(a.get("style") or "")
            if m:
                args.append(f"size: {float(m.group(1))}pt")
            self._emit(f"#text({', '.join(args)})[{self._close()}]" if args else self._close())
        elif tag in ("td", "th"):
            table = self.tables[-1]
            cell = table["cell"]
            cell.parts = [self._close()]
            if table["row"] is None:
                raise UnsupportedMarkup(f"<{tag}> hors d'une ligne <tr>")
            table["row"].append(cell)
            table["cell"] = None
            self._block_boundary()
        elif tag == "tr":
            table = self.tables[-1]
            table["rows"].append(table["row"] or [])
            table["row"] = None
        elif tag == "table":
            self._emit(_table_code(self.tables.pop()) + "\n")
            self._block_boundary()

    def feed(self, html: str) -> None:
        pos = 0
        for m in _TAG.finditer(html):
            if m.start() > pos:
                self.handle_data(unescape(html[pos : m.start()]))
            pos = m.end()
            name = m.group(2)
            if name is None:
                continue  # comment or doctype
            name = name.lower()
            if m.group(1):
                self.handle_endtag(name)
            else:
                attrs = [
                    (a.group(1).lower(), unescape(next((g for g in a.group(2, 3, 4) if g is not None), "")))
                    for a in _ATTR.finditer(m.group(3))
                ]
                self.handle_starttag(name, attrs)
                if m.group(3).rstrip().endswith("/"):
                    self.handle_endtag(name)
        if pos < len(html):
            self.handle_data(unescape(html[pos:]))

    def close_document(self) -> str:
        if self.tags or self.tables or len(self.stack) != 1:
            raise UnsupportedMarkup(f"balises non fermées : {self.tags}")
        return "".join(self.stack[0])


def _width(value: str | None) -> str | None:
    if value is None:
        return None
    v = value.strip().rstrip("%")
    if not _NUMBER.match(v):
        raise UnsupportedMarkup(f"largeur de colonne {value!r} non prise en charge")
    return f"{v}fr"


def _table_code(table: dict) -> str:
    rows = [r for r in table["rows"] if r]
    if not rows:
        return ""
    ncols = max(sum(c.colspan for c in r) for r in rows)
    widths = [_width(c.width) for c in rows[0]] if sum(c.colspan for c in rows[0]) == ncols else []
    if len(widths) != ncols or any(w is None for w in widths):
        widths = ["1fr"] * ncols
    header = []
    while rows and all(c.header for c in rows[0]):
        header.append(rows.pop(0))

    def cell(c: _Cell) -> str:
        args = []
        if c.colspan > 1:
            args.append(f"colspan: {c.colspan}")
        if c.align == "right":
            args.append("align: right")
        if c.header:
            args.append("fill: head-fill")
        body = "".join(c.parts)
        if c.header:
            body = f'#text(weight: "bold")[{body}]'
        return f"table.cell({', '.join(args)})[{body}]" if args else f"[{body}]"

    parts = [f"columns: ({', '.join(widths)},)"]
    if header:
        parts.append("table.header(" + ", ".join(cell(c) for r in header for c in r) + ")")
    parts += [cell(c) for r in rows for c in r]
    return "#notice-table(" + ", ".join(parts) + ")"


def to_typst(body_html: str) -> str:
    """The Typst content of a notice's ``<body>`` (without the preamble)."""
    conv = _Converter()
    conv.feed(body_html)
    return conv.close_document()
