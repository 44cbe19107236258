"""Small bar charts of the half-yearly analysis, as SVG images embedded in the document.

An image is an ``<img src="data:image/svg+xml;base64,…">``: browsers show it, and the PDF
renderer (fpdf2) draws the same SVG. Deterministic: the same figures give the same bytes.
Amounts are scaled on integer cents (never float arithmetic on money for anything shown: the
figures themselves are in the table next to the chart).
"""

from __future__ import annotations

import base64
from decimal import Decimal
from html import escape

WIDTH, BAR_H, GAP, LABEL_W = 420, 7, 5, 60
COULEUR_PRECEDENT = "#9aa7bd"
COULEUR_COURANT = "#1f3a68"
COULEUR_TRAJECTOIRE = "#c0392b"


def _cents(value: Decimal | None) -> int:
    return 0 if value is None else int((value * 100).to_integral_value())


def bars(rows: list[dict]) -> str:
    """An SVG of one pair of bars per row (``label``, ``precedent``, ``courant``, optional
    ``trajectoire`` drawn as a tick): the same half-year of N−1 and of N."""
    scale_max = max([_cents(r.get(k)) for r in rows for k in ("precedent", "courant", "trajectoire")] + [1])
    span = WIDTH - LABEL_W - 10
    row_h = 2 * BAR_H + GAP
    height = len(rows) * row_h + GAP
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{height}" viewBox="0 0 {WIDTH} {height}">',
        f'<rect x="0" y="0" width="{WIDTH}" height="{height}" fill="#ffffff"/>',
    ]
    for i, r in enumerate(rows):
        y = GAP + i * row_h
        parts.append(
            f'<text x="2" y="{y + BAR_H + 3}" font-family="Helvetica" font-size="8" fill="#111111">{escape(str(r["label"]))}</text>'
        )
        for j, (key, colour) in enumerate((("precedent", COULEUR_PRECEDENT), ("courant", COULEUR_COURANT))):
            w = span * _cents(r.get(key)) // scale_max
            parts.append(f'<rect x="{LABEL_W}" y="{y + j * BAR_H}" width="{max(w, 0)}" height="{BAR_H - 1}" fill="{colour}"/>')
        if r.get("trajectoire") is not None:
            x = LABEL_W + span * _cents(r["trajectoire"]) // scale_max
            parts.append(f'<rect x="{x}" y="{y - 1}" width="2" height="{2 * BAR_H + 1}" fill="{COULEUR_TRAJECTOIRE}"/>')
    parts.append("</svg>")
    return "".join(parts)


def data_uri(svg: str) -> str:
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode("utf-8")).decode("ascii")
