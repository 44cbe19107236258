"""PDF rendering of a notice from its HTML (fpdf2 ``write_html``), so both say the same thing.

The font is DejaVu (Unicode: accents, €, narrow no-break spaces), taken from the system's
standard DejaVu folder when present, else from the copy matplotlib ships in its mpl-data. The
output is deterministic: the creation date comes from the run (``as_of``), never the clock, and
fpdf2 derives the file identifier from the content.

Speed: each font file is parsed once per process and each document gets its own copy of what a
document changes (``_font_for``), which gives the bytes ``add_font`` gives. ``render_key`` digests
everything a PDF's bytes depend on, so that an unchanged PDF need not be drawn again.
"""

from __future__ import annotations

import copy
import hashlib
import importlib.util
import json
import pickle
import re
from dataclasses import dataclass
from datetime import date, datetime, time, timezone
from functools import lru_cache
from pathlib import Path

import fontTools
import fpdf
from fpdf import FPDF, FontFace, TextStyle
from fpdf.fonts import SubsetMap, TTFFont

SYSTEM_DEJAVU = Path("/usr/share/fonts/truetype/dejavu")
FONT_FILES = {
    ("dejavu", ""): "DejaVuSans.ttf",
    ("dejavu", "B"): "DejaVuSans-Bold.ttf",
    ("dejavu", "I"): "DejaVuSans-Oblique.ttf",
    ("dejavu", "BI"): "DejaVuSans-BoldOblique.ttf",
    ("dejavumono", ""): "DejaVuSansMono.ttf",
    ("dejavumono", "B"): "DejaVuSansMono-Bold.ttf",
}
BLUE = "#1f3a68"
TAG_STYLES = {
    # heading b_margin is a fraction of the heading's own size (fpdf2)
    "h1": TextStyle(font_size_pt=15, color=BLUE, t_margin=3, b_margin=0.3),
    "h2": TextStyle(font_size_pt=12, color=BLUE, t_margin=3.5, b_margin=0.2),
    "h3": TextStyle(font_size_pt=10.5, color=BLUE, t_margin=2.5, b_margin=0.15),
    "p": TextStyle(t_margin=1.2, b_margin=1.2),
    "li": TextStyle(l_margin=4, t_margin=0.8),
    "ul": TextStyle(t_margin=1),
    "a": FontFace(color=BLUE),
}
_BODY = re.compile(r"<body[^>]*>(.*)</body>", re.S | re.I)
_P_TAG = re.compile(r"<p(?=[\s>])")
LINE_HEIGHT = "1.2"  # paragraphs (the HTML's stylesheet says the same for browsers)


def _font_dirs() -> list[Path]:
    dirs = [SYSTEM_DEJAVU]
    spec = importlib.util.find_spec("matplotlib")
    if spec and spec.submodule_search_locations:
        dirs.append(Path(list(spec.submodule_search_locations)[0]) / "mpl-data" / "fonts" / "ttf")
    return dirs


@lru_cache(maxsize=1)
def font_paths() -> dict[tuple[str, str], Path]:
    """The DejaVu files to embed: the first folder that holds all of them wins."""
    for folder in _font_dirs():
        paths = {key: folder / name for key, name in FONT_FILES.items()}
        if all(p.is_file() for p in paths.values()):
            return paths
    raise FileNotFoundError(
        "DejaVu fonts not found: install fonts-dejavu-core or matplotlib (which ships them in mpl-data)"
    )


def creation_datetime(day: date) -> datetime:
    """The PDF creation date of a run: midnight UTC of the day it acts on."""
    return datetime.combine(day, time(0, 0), tzinfo=timezone.utc)


# The attributes of fpdf2's TTFFont (2.8) whose role ``_font_for`` knows. Another fpdf2 with other
# attributes gets the plain ``add_font`` (slower, same PDF) rather than a guess.
_TTF_SLOTS = frozenset({
    "_hbfont", "biggest_size_pt", "cff_ros", "cmap", "collection_font_number", "color_font", "cw",
    "desc", "emphasis", "fontkey", "glyph_ids", "i", "is_cff", "is_cid_keyed", "is_compressed",
    "is_symbol", "missing_glyphs", "name", "palette_index", "scale", "sp", "ss", "subset",
    "ttffile", "ttfont", "type", "unicode_range", "up", "ut",
})  # fmt: skip
_PER_DOCUMENT = frozenset(
    {"i", "ttfont", "cw", "desc", "missing_glyphs", "biggest_size_pt", "subset", "_hbfont", "color_font"}
)


@dataclass(frozen=True)
class _ParsedFont:
    """One font file parsed once per process: its metrics (shared, read-only) and its fontTools
    object as ``add_font`` leaves it, pickled (each document unpickles its own copy)."""

    template: TTFFont
    ttfont: bytes


@lru_cache(maxsize=None)
def _parsed_font(family: str, style: str, path: Path) -> _ParsedFont | None:
    """Parse ``path`` with fpdf2's own ``add_font`` once; None when it cannot be reused safely."""
    if frozenset(TTFFont.__slots__) != _TTF_SLOTS:
        return None
    scratch = FPDF()
    scratch.add_font(family, style, str(path))
    template = next(iter(scratch.fonts.values()))
    tt = template.ttfont
    if (
        template.color_font is not None or template.is_cff or template.is_compressed
        or "glyf" not in tt or ".notdef" not in tt.getGlyphOrder()
    ):  # fmt: skip
        return None  # cases where add_font alters the parsed font: leave them to add_font
    parsed = _ParsedFont(template, pickle.dumps(tt, protocol=pickle.HIGHEST_PROTOCOL))
    template.ttfont = None  # kept pickled only: fewer live objects for the garbage collector to walk
    return parsed


class _NoticeFont(TTFFont):
    """fpdf2's TTFFont with a faster width sum for unshaped text (line breaking asks for it
    hundreds of thousands of times per notice). Same integers summed, same float result."""

    __slots__ = ()

    def get_text_width(self, text, font_size_pt, text_shaping_params):  # noqa: ANN001, ANN201
        if text_shaping_params or self.is_symbol:
            return super().get_text_width(text, font_size_pt, text_shaping_params)
        if font_size_pt > self.biggest_size_pt:
            self.biggest_size_pt = font_size_pt
        return len(text), sum(map(self.cw.__getitem__, map(ord, text))) * font_size_pt * 0.001


def _font_for(pdf: FPDF, parsed: _ParsedFont) -> TTFFont:
    """A font for one document: the parsed metrics shared, everything the document changes new.

    fpdf2 subsets the ``ttfont`` in place when it writes the PDF, records the glyphs used in
    ``subset`` and fills the font descriptor with the document's objects: all three are the
    document's own, as with ``add_font`` (``ttfont`` unpickled in the state ``add_font`` leaves
    it). Widths are copied (a defaultdict that fills on lookups). Same PDF bytes as ``add_font``
    (tests/notices/test_notices_render_cache.py)."""
    template = parsed.template
    font = _NoticeFont.__new__(_NoticeFont)
    for slot in _TTF_SLOTS - _PER_DOCUMENT:
        if hasattr(template, slot):
            setattr(font, slot, getattr(template, slot))
    font.i = len(pdf.fonts) + 1
    font.ttfont = pickle.loads(parsed.ttfont)  # noqa: S301 - our own bytes, made in this process
    font.cw = template.cw.copy()
    font.desc = copy.copy(template.desc)
    font.missing_glyphs = []
    font.biggest_size_pt = 0
    font._hbfont = None
    font.color_font = None
    font.subset = SubsetMap(font)
    return font


def register_fonts(pdf: FPDF, *, reuse: bool = True) -> None:
    """The DejaVu variants, each file parsed once per process (``add_font`` parses it every time);
    ``reuse=False`` is plain ``add_font``."""
    for (family, style), path in font_paths().items():
        parsed = _parsed_font(family, style, path) if reuse else None
        if parsed is None:
            pdf.add_font(family, style, str(path))
        else:
            pdf.fonts[f"{family}{style}"] = _font_for(pdf, parsed)


class NoticePDF(FPDF):
    def __init__(self, footer_text: str, *, reuse_fonts: bool = True) -> None:
        super().__init__(orientation="P", unit="mm", format="A4")
        self.footer_text = footer_text
        register_fonts(self, reuse=reuse_fonts)
        self.set_margins(16, 14, 16)
        self.set_auto_page_break(True, margin=16)
        self.set_font("dejavu", size=9.5)

    def footer(self) -> None:
        self.set_y(-11)
        self.set_font("dejavu", size=7)
        self.set_text_color(90, 90, 90)
        self.cell(0, 4, f"{self.footer_text} — page {self.page_no()}/{{nb}}", align="C")
        self.set_text_color(0, 0, 0)


def body_of(html: str) -> str:
    """The ``<body>`` content of a rendered notice (what the PDF draws)."""
    m = _BODY.search(html)
    return m.group(1) if m else html


def _pdf_markup(body: str) -> str:
    """Presentation only: paragraph line height, which fpdf2 reads from an attribute."""
    return _P_TAG.sub(f'<p line-height="{LINE_HEIGHT}"', body)


DEFAULT_AUTHOR = "Agence régionale de santé Nouvelle-Aquitaine"


@lru_cache(maxsize=4)
def _renderer_digest(fonts: tuple[tuple[tuple[str, str], Path], ...]) -> str:
    """What, besides its arguments, decides the bytes of ``html_to_pdf``: this module's code, the
    fpdf2 and fontTools versions, the font files."""
    h = hashlib.sha256(Path(__file__).read_bytes())
    h.update(f"fpdf2 {fpdf.__version__} fontTools {fontTools.version}".encode())
    for key, path in fonts:
        h.update(repr(key).encode())
        h.update(hashlib.sha256(path.read_bytes()).digest())
    return h.hexdigest()


def render_key(html: str, *, title: str, footer_text: str, created: date, author: str = "") -> str:
    """Digest of everything ``html_to_pdf`` reads: equal keys, equal PDF bytes."""
    args = [title, footer_text, created.isoformat(), author or DEFAULT_AUTHOR, html]
    renderer = _renderer_digest(tuple(sorted(font_paths().items())))
    return hashlib.sha256((renderer + json.dumps(args, ensure_ascii=False)).encode()).hexdigest()


def warm_fonts() -> None:
    """Parse the fonts now (once per process), e.g. before a batch or in a worker."""
    for (family, style), path in font_paths().items():
        _parsed_font(family, style, path)


def html_to_pdf(
    html: str, *, title: str, footer_text: str, created: date, author: str = "", reuse_fonts: bool = True
) -> bytes:
    """Render the body of ``html`` to PDF bytes (A4, DejaVu, deterministic)."""
    pdf = NoticePDF(footer_text, reuse_fonts=reuse_fonts)
    pdf.set_title(title)
    pdf.set_author(author or DEFAULT_AUTHOR)
    pdf.set_creator("caqes")
    pdf.set_producer("caqes")
    pdf.set_lang("fr-FR")
    pdf.set_creation_date(creation_datetime(created))
    pdf.add_page()
    pdf.write_html(_pdf_markup(body_of(html)), font_family="dejavu", tag_styles=TAG_STYLES, ul_bullet_char="•")
    return bytes(pdf.output())
