"""PDF rendering of a notice from its HTML (fpdf2 ``write_html``), so both say the same thing.

The font is DejaVu (Unicode: accents, €, narrow no-break spaces), taken from the system's
standard DejaVu folder when present, else from the copy matplotlib ships in its mpl-data. The
output is deterministic: the creation date comes from the run (``as_of``), never the clock, and
fpdf2 derives the file identifier from the content.
"""

from __future__ import annotations

import importlib.util
import re
from datetime import date, datetime, time, timezone
from functools import lru_cache
from pathlib import Path

from fpdf import FPDF, FontFace, TextStyle

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


class NoticePDF(FPDF):
    def __init__(self, footer_text: str) -> None:
        super().__init__(orientation="P", unit="mm", format="A4")
        self.footer_text = footer_text
        for (family, style), path in font_paths().items():
            self.add_font(family, style, str(path))
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


def html_to_pdf(html: str, *, title: str, footer_text: str, created: date, author: str = "") -> bytes:
    """Render the body of ``html`` to PDF bytes (A4, DejaVu, deterministic)."""
    pdf = NoticePDF(footer_text)
    pdf.set_title(title)
    pdf.set_author(author or "Agence régionale de santé Nouvelle-Aquitaine")
    pdf.set_creator("caqes")
    pdf.set_producer("caqes")
    pdf.set_lang("fr-FR")
    pdf.set_creation_date(creation_datetime(created))
    pdf.add_page()
    pdf.write_html(_pdf_markup(body_of(html)), font_family="dejavu", tag_styles=TAG_STYLES, ul_bullet_char="•")
    return bytes(pdf.output())
