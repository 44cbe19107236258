"""Small bar charts of the half-yearly analysis, as PNG images embedded in the document.

An image is an ``<img src="data:image/png;base64,…">``: browsers show it and the PDF renderer
(fpdf2) draws it. Drawn with Pillow in the notices' DejaVu font; deterministic (the same figures
give the same bytes, no metadata). Bar lengths are scaled on integer cents; the figures
themselves are in the table next to the chart.
"""

from __future__ import annotations

import base64
import io
from decimal import Decimal
from functools import lru_cache

from PIL import Image, ImageDraw, ImageFont

from caqes_tasks.notices.pdf import font_paths

SCALE = 2  # pixels per displayed point: sharp in a PDF
WIDTH, BAR_H, GAP, LABEL_W = 420, 7, 5, 60
COULEUR_PRECEDENT = (154, 167, 189)
COULEUR_COURANT = (31, 58, 104)
COULEUR_TRAJECTOIRE = (192, 57, 43)


def _cents(value: Decimal | None) -> int:
    return 0 if value is None else int((value * 100).to_integral_value())


@lru_cache(maxsize=1)
def _font() -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(str(font_paths()[("dejavu", "")]), 8 * SCALE)


def bars(rows: list[dict]) -> bytes:
    """PNG of one pair of bars per row (``label``, ``precedent``, ``courant``, optional
    ``trajectoire`` drawn as a red tick): the same half-year of N−1 (light) and of N (dark)."""
    scale_max = max([_cents(r.get(k)) for r in rows for k in ("precedent", "courant", "trajectoire")] + [1])
    span = WIDTH - LABEL_W - 10
    row_h = 2 * BAR_H + GAP
    height = len(rows) * row_h + GAP
    img = Image.new("RGB", (WIDTH * SCALE, height * SCALE), (255, 255, 255))
    draw = ImageDraw.Draw(img)
    s = SCALE
    for i, r in enumerate(rows):
        y = GAP + i * row_h
        draw.text((2 * s, (y + 2) * s), str(r["label"]), fill=(17, 17, 17), font=_font())
        for j, colour in enumerate((COULEUR_PRECEDENT, COULEUR_COURANT)):
            w = span * _cents(r.get(("precedent", "courant")[j])) // scale_max
            if w > 0:
                top = y + j * BAR_H
                draw.rectangle([LABEL_W * s, top * s, (LABEL_W + w) * s - 1, (top + BAR_H - 1) * s - 1], fill=colour)
        if r.get("trajectoire") is not None:
            x = LABEL_W + span * _cents(r["trajectoire"]) // scale_max
            draw.rectangle([x * s, (y - 1) * s, (x + 2) * s - 1, (y + 2 * BAR_H) * s - 1], fill=COULEUR_TRAJECTOIRE)
    buf = io.BytesIO()
    img.save(buf, format="PNG", optimize=False)
    return buf.getvalue()


def data_uri(png: bytes) -> str:
    return "data:image/png;base64," + base64.b64encode(png).decode("ascii")
