"""PDF rendering of a notice from its HTML, typeset by Typst, so both say the same thing.

The notice's HTML is the one source: its ``<body>`` is turned into Typst source
(``typst_markup``: every text a string literal, each tag of the templates' subset one function
of ``PAGE``, which sets the page, the fonts and the footer) and compiled in this
process by the ``typst`` binding. Measured on the demo region (``python -m benchmarks.notices``):
about a tenth of the CPU time per notice of fpdf2's ``write_html``, where the HTML layout with its
character-by-character line breaking (about 60 %, tables most of it) and each document's copy
and subsetting of the fonts (about 40 %) took the time.

The font is DejaVu (Unicode: accents, €, narrow no-break spaces), taken from the system's
standard DejaVu folder when present, else from the copy matplotlib ships in its mpl-data; only
that folder is given to Typst (no system font can change a PDF). The output is deterministic:
the creation date comes from the run (``as_of``), never the clock, and Typst derives the file
identifier from the content.

One Typst compiler per process (fonts loaded once; Typst's memoisation may reuse what notices
share). Typst runs threads: a process that has compiled must not be forked
(``compiled_here``), so a process pool is made before the first compile or not at all.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import os
from datetime import date, datetime, time, timezone
from functools import lru_cache
from pathlib import Path

import typst

from caqes_tasks.notices import typst_markup
from caqes_tasks.notices.typst_markup import string, to_typst

SYSTEM_DEJAVU = Path("/usr/share/fonts/truetype/dejavu")
FONT_FILES = {
    ("dejavu", ""): "DejaVuSans.ttf",
    ("dejavu", "B"): "DejaVuSans-Bold.ttf",
    ("dejavu", "I"): "DejaVuSans-Oblique.ttf",
    ("dejavu", "BI"): "DejaVuSans-BoldOblique.ttf",
    ("dejavumono", ""): "DejaVuSansMono.ttf",
    ("dejavumono", "B"): "DejaVuSansMono-Bold.ttf",
}
DEFAULT_AUTHOR = "Agence régionale de santé Nouvelle-Aquitaine"
_BODY_OPEN = "<body"
_BODY_CLOSE = "</body>"


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


def font_folder() -> Path:
    return next(iter(font_paths().values())).parent


def creation_datetime(day: date) -> datetime:
    """The PDF creation date of a run: midnight UTC of the day it acts on."""
    return datetime.combine(day, time(0, 0), tzinfo=timezone.utc)


def body_of(html: str) -> str:
    """The ``<body>`` content of a rendered notice (what the PDF draws)."""
    start = html.find(_BODY_OPEN)
    end = html.rfind(_BODY_CLOSE)
    if start < 0 or end < start:
        return html
    return html[html.index(">", start) + 1 : end]


# Page and styles of every notice: A4, DejaVu, the run's footer on each page. The body that
# follows is the notice's HTML body turned into calls of these functions (``typst_markup``).
PAGE = """\
#let blue = rgb("#1f3a68")
#let head-fill = rgb("#e6ecf5")
#set page(
  paper: "a4",
  margin: (left: 16mm, right: 16mm, top: 14mm, bottom: 16mm),
  footer-descent: 5mm,
  footer: context align(center, text(size: 7pt, fill: rgb(90, 90, 90),
    footer-text + " — page " + str(here().page()) + "/" + str(counter(page).final().first()))),
)
#set text(font: ("DejaVu Sans",), size: 9.5pt, lang: "fr", hyphenate: false, fallback: true)
#set par(leading: 0.45em, spacing: 0.6em, justify: false)
#set smartquote(enabled: false)
#let para(align: left, body) = block(width: 100%, above: 0.7em, below: 0.7em, std.align(align, body))
#let hd(level, body) = {
  let size = (15pt, 12pt, 10.5pt, 9.5pt).at(level - 1)
  let above = (3mm, 3.5mm, 2.5mm, 2mm).at(level - 1)
  block(above: above + 0.5em, below: 0.6em, sticky: true, text(size: size, fill: blue, weight: "bold", body))
}
#let items(..xs) = list(marker: [•], indent: 1mm, body-indent: 2mm, spacing: 0.6em, ..xs)
#let notice-table(..args) = block(above: 0.6em, below: 0.8em, table(
  stroke: 0.4pt + rgb(136, 136, 136),
  inset: (x: 1mm, y: 0.8mm),
  align: left + top,
  ..args,
))
"""


def typst_source(html: str, *, title: str, footer_text: str, created: date, author: str = "") -> str:
    """The whole Typst document of a notice: metadata, page and styles, then the body."""
    head = (
        f"#let footer-text = {string(footer_text)}\n"
        f"#set document(title: {string(title)}, author: {string(author or DEFAULT_AUTHOR)}, "
        f"date: datetime(year: {created.year}, month: {created.month}, day: {created.day}, "
        "hour: 0, minute: 0, second: 0))\n"
    )
    return head + PAGE + to_typst(body_of(html))


_compiler: tuple[int, typst.Compiler] | None = None


def compiled_here() -> bool:
    """Whether this process has a Typst compiler (then it runs threads: do not fork it)."""
    return _compiler is not None and _compiler[0] == os.getpid()


def _compiler_here() -> typst.Compiler:
    """The compiler of this process, made on first use (never inherited through a fork)."""
    global _compiler
    if _compiler is None or _compiler[0] != os.getpid():
        _compiler = (os.getpid(), typst.Compiler(font_paths=[str(font_folder())], ignore_system_fonts=True))
    return _compiler[1]


class PdfRenderError(RuntimeError):
    """Typst refused the source made from a notice (a template outside the supported subset)."""


def html_to_pdf(html: str, *, title: str, footer_text: str, created: date, author: str = "") -> bytes:
    """Render the body of ``html`` to PDF bytes (A4, DejaVu, deterministic)."""
    source = typst_source(html, title=title, footer_text=footer_text, created=created, author=author)
    try:
        return bytes(_compiler_here().compile(input=source.encode("utf-8"), format="pdf"))
    except RuntimeError as exc:  # the binding's compile errors
        raise PdfRenderError(f"PDF de la notice « {title} » : {exc}") from exc


@lru_cache(maxsize=4)
def _renderer_digest(fonts: tuple[tuple[tuple[str, str], Path], ...]) -> str:
    """What, besides its arguments, decides the bytes of ``html_to_pdf``: this module's and the
    converter's code (the page and styles with it), the Typst version, the font files."""
    h = hashlib.sha256(Path(__file__).read_bytes())
    h.update(Path(typst_markup.__file__).read_bytes())
    h.update(f"typst {_typst_version()}".encode())
    for key, path in fonts:
        h.update(repr(key).encode())
        h.update(hashlib.sha256(path.read_bytes()).digest())
    return h.hexdigest()


def _typst_version() -> str:
    from importlib.metadata import version

    return version("typst")


def render_key(html: str, *, title: str, footer_text: str, created: date, author: str = "") -> str:
    """Digest of everything ``html_to_pdf`` reads: equal keys, equal PDF bytes."""
    args = [title, footer_text, created.isoformat(), author or DEFAULT_AUTHOR, html]
    renderer = _renderer_digest(tuple(sorted(font_paths().items())))
    return hashlib.sha256((renderer + json.dumps(args, ensure_ascii=False)).encode()).hexdigest()


def warm_fonts() -> None:
    """Find the fonts now (no compiler: that is made in each process, on first use)."""
    font_paths()
