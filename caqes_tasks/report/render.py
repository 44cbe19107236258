"""Render the campaign report to a self-contained HTML page (inline CSS, inline SVG, no script)."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from markupsafe import Markup

from caqes_tasks.notices import vocabulary as voc
from caqes_tasks.notices.render import phrase
from caqes_tasks.report import charts, fmt
from caqes_tasks.report.data import Campaign

TEMPLATES = Path(__file__).parent / "templates"


def environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=select_autoescape(["html", "j2"]),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(
        euros=fmt.euros,
        percent=fmt.percent,
        ratio_percent=fmt.ratio_percent,
        plain=fmt.plain,
        statut=fmt.statut,
        motif=fmt.motif,
        type_interessement=fmt.type_interessement,
        type_decision=fmt.type_decision,
        formule=fmt.formule,
        methode_periode=fmt.methode_periode,
        en_attente=fmt.en_attente,
        origine=fmt.origine,
        date_fr=fmt.date,
        sens_avis=lambda code: voc.SENS_AVIS.get(code or "", code or fmt.DASH),
        phrase=phrase,
    )
    return env


def render_html(c: Campaign, *, run_id: str, as_of: str, ref, n_inputs: int) -> str:
    """The report of ``c`` as one HTML string."""
    scores = c.scores_evaluables
    mean = (sum(scores, Decimal(0)) / len(scores)).quantize(Decimal("0.01"), ROUND_HALF_UP) if scores else None
    volets = sorted({r["volet"] for r in c.volets_proposes} | {r["volet"] for r in c.contractualisation})
    statuts = [s for s in ("signe", "en_cours", "refus", "absent") if any(r["statut"] == s for r in c.contractualisation)]
    statuts += sorted({r["statut"] for r in c.contractualisation} - set(statuts))
    return environment().get_template("campagne.html.j2").render(
        c=c,
        css=Markup((TEMPLATES / "report.css").read_text(encoding="utf-8")),
        ref=ref,
        run_id=run_id,
        as_of=as_of,
        n_inputs=n_inputs,
        mean_score=mean,
        volets=volets,
        statuts=statuts,
        proposes={r["volet"]: r["nb_ej"] for r in c.volets_proposes},
        contrats={(r["volet"], r["statut"]): r["nb_ej"] for r in c.contractualisation},
        env_total=sum((e.enveloppe for e in c.enveloppes), Decimal("0.00")),
        dist_total=sum((e.distribue for e in c.enveloppes), Decimal("0.00")),
        charts={
            "histogram": Markup(charts.score_histogram(c.histogram(), c.nb_non_evaluables)),
            "envelope": Markup(charts.envelope_bars(c.enveloppes)),
            "trends": Markup(charts.trend_bars(c.tendances)),
        },
        theme_chart=lambda scores: Markup(charts.theme_scores(scores)),
    )
