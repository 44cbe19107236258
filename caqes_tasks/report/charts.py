"""Hand-made inline SVG charts (no script, no external resource): deterministic and light.

Each function returns an ``<svg>`` string with explicit width, height and viewBox, a
``<title>`` for screen readers, and text labels carrying the figures, so the chart reads the
same in the browser, in print and in the PDF.
"""

from __future__ import annotations

from decimal import Decimal
from html import escape

from caqes_tasks.report import fmt

INK, MUTED, GRID = "#1f2933", "#616e7c", "#d9e2ec"
BLUE, LIGHT, GOOD, BAD = "#2c6fbb", "#c9dcf2", "#2f855a", "#c05621"
FONT = 'font-family="DejaVu Sans, Arial, sans-serif"'


def _svg(width: int, height: int, title: str, body: list[str], cls: str) -> str:
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart {cls}" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" role="img" aria-label="{escape(title)}" {FONT}>'
        f"<title>{escape(title)}</title>" + "".join(body) + "</svg>"
    )


def _text(x: float, y: float, text: str, size: int = 11, anchor: str = "start", fill: str = INK, weight: str = "normal") -> str:
    return (
        f'<text x="{x:.1f}" y="{y:.1f}" font-size="{size}" text-anchor="{anchor}" fill="{fill}" '
        f'font-weight="{weight}">{escape(text)}</text>'
    )


def score_histogram(bins: list[tuple[str, int]], non_evaluables: int) -> str:
    """Vertical bars: number of EJs per 10-point bin of contract score."""
    width, height, left, bottom, top = 620, 260, 40, 40, 34
    plot_w, plot_h = width - left - 10, height - top - bottom
    vmax = max([n for _, n in bins] + [1])
    step = plot_w / len(bins)
    body = [f'<line x1="{left}" y1="{top + plot_h}" x2="{width - 10}" y2="{top + plot_h}" stroke="{MUTED}"/>']
    for k in range(0, vmax + 1, max(1, vmax // 4)):
        y = top + plot_h - plot_h * k / vmax
        body.append(f'<line x1="{left}" y1="{y:.1f}" x2="{width - 10}" y2="{y:.1f}" stroke="{GRID}"/>')
        body.append(_text(left - 6, y + 4, str(k), 10, "end", MUTED))
    for i, (label, n) in enumerate(bins):
        x = left + i * step + 4
        h = plot_h * n / vmax
        body.append(
            f'<rect class="bar" x="{x:.1f}" y="{top + plot_h - h:.1f}" width="{step - 8:.1f}" '
            f'height="{h:.1f}" fill="{BLUE}"><title>{escape(label)} : {n} EJ</title></rect>'
        )
        if n:
            body.append(_text(x + (step - 8) / 2, top + plot_h - h - 4, str(n), 11, "middle"))
        body.append(_text(x + (step - 8) / 2, top + plot_h + 15, label, 10, "middle", MUTED))
    body.append(_text(left + plot_w / 2, height - 6, "score contrat (%)", 11, "middle", MUTED))
    if non_evaluables:
        body.append(_text(width - 10, 14, f"+ {non_evaluables} EJ au score non évaluable", 11, "end", BAD))
    return _svg(width, height, "Répartition des scores contrat des EJ", body, "histogram")


def envelope_bars(rows: list) -> str:
    """Horizontal bars per theme: the envelope (light) and what was distributed (dark)."""
    row_h, left, right = 34, 110, 260
    width = 720
    height = 30 + row_h * max(len(rows), 1)
    vmax = max([r.enveloppe for r in rows] + [r.distribue for r in rows] + [Decimal(1)])
    plot_w = width - left - right
    body = [
        f'<rect x="{left}" y="6" width="12" height="10" fill="{LIGHT}"/>',
        _text(left + 16, 15, "enveloppe", 10, fill=MUTED),
        f'<rect x="{left + 90}" y="6" width="12" height="10" fill="{BLUE}"/>',
        _text(left + 106, 15, "distribué", 10, fill=MUTED),
    ]
    for i, r in enumerate(rows):
        y = 26 + i * row_h
        w_env = float(r.enveloppe / vmax) * plot_w
        w_dis = float(r.distribue / vmax) * plot_w
        body.append(_text(left - 8, y + 17, r.theme, 11, "end"))
        body.append(f'<rect class="bar" x="{left}" y="{y + 4}" width="{w_env:.1f}" height="20" fill="{LIGHT}"/>')
        body.append(f'<rect class="bar" x="{left}" y="{y + 8}" width="{w_dis:.1f}" height="12" fill="{BLUE}"/>')
        taux = fmt.percent(r.taux, 1) if r.taux is not None else "–"
        body.append(
            _text(left + plot_w + 8, y + 17, f"{fmt.euros(r.distribue)} / {fmt.euros(r.enveloppe)} ({taux})", 10)
        )
    return _svg(width, height, "Utilisation de l'enveloppe régionale par thème", body, "envelope")


def trend_bars(trends: list) -> str:
    """Per indicator: observed evolution N/N−1 (bar) and the target evolution (black tick)."""
    row_h, left, right = 30, 110, 150
    width = 720
    height = 40 + row_h * max(len(trends), 1)
    values = [abs(t.evolution) for t in trends] + [abs(t.objectif) for t in trends] + [Decimal("0.05")]
    vmax = float(max(values)) * 1.1
    plot_w = width - left - right
    zero = left + plot_w / 2

    def x(v: Decimal) -> float:
        return zero + float(v) / vmax * (plot_w / 2)

    body = [
        f'<line x1="{zero:.1f}" y1="22" x2="{zero:.1f}" y2="{height - 6}" stroke="{MUTED}"/>',
        _text(zero, 14, "0 %", 10, "middle", MUTED),
        _text(left, 14, fmt.ratio_percent(Decimal(-vmax), 0), 10, "start", MUTED),
        _text(left + plot_w, 14, fmt.ratio_percent(Decimal(vmax), 0), 10, "end", MUTED),
    ]
    for i, t in enumerate(trends):
        y = 26 + i * row_h
        x0, x1 = sorted((zero, x(t.evolution)))
        colour = GOOD if t.atteint else BAD
        body.append(_text(left - 8, y + 15, t.indicateur, 11, "end"))
        body.append(
            f'<rect class="bar" x="{x0:.1f}" y="{y + 4}" width="{max(x1 - x0, 1):.1f}" height="16" fill="{colour}">'
            f"<title>{escape(t.indicateur)} : {escape(fmt.ratio_percent(t.evolution))}</title></rect>"
        )
        xt = x(t.objectif)
        body.append(f'<line class="target" x1="{xt:.1f}" y1="{y}" x2="{xt:.1f}" y2="{y + 24}" stroke="{INK}" stroke-width="3"/>')
        body.append(
            _text(
                left + plot_w + 8, y + 15,
                f"{fmt.ratio_percent(t.evolution)} (objectif {fmt.ratio_percent(t.objectif)})", 10,
            )
        )
    return _svg(width, height, "Évolution des indicateurs par rapport à l'objectif", body, "trends")


def theme_scores(scores: list[dict]) -> str:
    """Small horizontal bars: an EJ's theme scores (0–100 %), hatched when not evaluable."""
    rows = [s for s in scores if s["niveau"] == "theme"]
    row_h, left, width = 22, 90, 420
    height = 8 + row_h * max(len(rows), 1)
    plot_w = width - left - 70
    body = []
    for i, s in enumerate(rows):
        y = 4 + i * row_h
        body.append(_text(left - 6, y + 14, s["code"], 10, "end"))
        body.append(f'<rect x="{left}" y="{y + 3}" width="{plot_w}" height="14" fill="{GRID}"/>')
        if s["score"] is None:
            body.append(_text(left + 6, y + 14, "non évaluable", 10, fill=BAD))
            continue
        w = plot_w * float(s["score"]) / 100
        body.append(f'<rect class="bar" x="{left}" y="{y + 3}" width="{w:.1f}" height="14" fill="{BLUE}"/>')
        body.append(_text(left + plot_w + 6, y + 14, fmt.percent(s["score"]), 10))
    return _svg(width, height, "Scores par thème", body, "themes")


def year_bars(years: list[dict]) -> str:
    """Per year of the campaign: intéressement national, régional and sanctions side by side."""
    series = (("national", "intéressement national", LIGHT), ("regional", "intéressement régional", BLUE),
              ("sanctions", "sanctions", BAD))  # fmt: skip
    width, height, left, bottom, top = 720, 240, 20, 46, 30
    plot_w, plot_h = width - left - 20, height - top - bottom
    vmax = max([y[k] for y in years for k, _, _ in series] + [Decimal(1)])
    group = plot_w / max(len(years), 1)
    bar = min(60.0, (group - 20) / len(series))
    body = [f'<line x1="{left}" y1="{top + plot_h}" x2="{width - 20}" y2="{top + plot_h}" stroke="{MUTED}"/>']
    x_legend = left
    for _, label, colour in series:
        body.append(f'<rect x="{x_legend}" y="6" width="12" height="10" fill="{colour}"/>')
        body.append(_text(x_legend + 16, 15, label, 10, fill=MUTED))
        x_legend += 24 + 6.5 * len(label)
    for i, y in enumerate(years):
        x0 = left + i * group + (group - bar * len(series)) / 2
        for j, (key, label, colour) in enumerate(series):
            h = plot_h * float(y[key] / vmax)
            x = x0 + j * bar
            body.append(
                f'<rect class="bar" x="{x:.1f}" y="{top + plot_h - h:.1f}" width="{bar - 4:.1f}" height="{h:.1f}" '
                f'fill="{colour}"><title>{y["annee"]}, {escape(label)} : {escape(fmt.euros(y[key]))}</title></rect>'
            )
        body.append(_text(left + i * group + group / 2, top + plot_h + 16, str(y["annee"]), 11, "middle"))
        body.append(_text(left + i * group + group / 2, top + plot_h + 32,
                          f"sanctions {fmt.euros(y['sanctions'])}", 9, "middle", MUTED))  # fmt: skip
    return _svg(width, height, "Montants par année de la campagne", body, "years")
