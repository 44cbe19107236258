"""Render the campaign report to a self-contained HTML page: inline CSS, inline SVG charts and one
inline script (the filter of the list of EJs, and one EJ page shown at a time); no request
beyond the page itself, so it works from disk with no network. Without the script (print, PDF)
every page is shown, one after the other."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from markupsafe import Markup

from caqes_tasks.notices import vocabulary as voc
from caqes_tasks.notices.render import phrase
from caqes_tasks.report import charts, ciblage, fmt
from caqes_tasks.report.calendrier import calendrier, etape
from caqes_tasks.report.data import Campaign

TEMPLATES = Path(__file__).parent / "templates"


class Libelles:
    """The référentiel's words for its codes: « Antibiotiques » for ATB, « Pertinence des
    prescriptions » for V1; a code the référentiel does not know is shown as written."""

    def __init__(self, ref) -> None:
        self.ref = ref
        self.volets = {v["code"]: v["libelle"] for v in getattr(ref, "volets", ())}
        self.themes = {t["code"]: t["libelle"] for t in getattr(ref, "themes", ())}

    def indicateur(self, code: str | None) -> str:
        i = self.ref.by_code.get(code or "") if self.ref is not None else None
        return f"{i.libelle} ({code})" if i else (code or fmt.DASH)

    def theme(self, code: str | None) -> str:
        return f"{self.themes[code]} ({code})" if code in self.themes else (code or fmt.DASH)

    def volet(self, code: str | None) -> str:
        return f"volet {code} « {self.volets[code]} »" if code in self.volets else f"volet {code or fmt.DASH}"

    def mesure(self, row: dict) -> str | None:
        """The unit of an indicator row: its own ``mesure`` column, else the référentiel's."""
        if row.get("mesure"):
            return row["mesure"]
        i = self.ref.by_code.get(row.get("indicateur") or "") if self.ref is not None else None
        return i.mesure if i else None

    def niveau(self, score: dict) -> str:
        if score["niveau"] == "contrat":
            return "Contrat"
        if score["niveau"] == "volet":
            words = self.volet(score["code"])
            return words[:1].upper() + words[1:]
        return self.theme(score["code"])


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
        motif=fmt.motif,
        type_interessement=fmt.type_interessement,
        type_decision=fmt.type_decision,
        formule=fmt.formule,
        methode_periode=fmt.methode_periode,
        en_attente=fmt.en_attente,
        origine=fmt.origine,
        date_fr=fmt.date,
        sens_avis=lambda code: voc.SENS_AVIS.get(code or "", code or fmt.DASH),
        statut_sanction=lambda code: voc.STATUTS.get(code or "", code or fmt.DASH),
        plafond=fmt.plafond,
        etape=etape,
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
    words = Libelles(ref)
    env = environment()
    env.filters.update(indicateur=words.indicateur, theme=words.theme, volet=words.volet, statut=c.statut)
    script = (TEMPLATES / "report.js").read_text(encoding="utf-8")
    if "</" in script:
        raise ValueError("report.js must not hold '</' (it is inlined in a <script> element)")
    return env.get_template("campagne.html.j2").render(
        c=c,
        cal=calendrier(c),
        retenues=c.retenues(),
        css=Markup((TEMPLATES / "report.css").read_text(encoding="utf-8")),
        script=Markup(script),
        departements=sorted({d for e in c.ej for d in e.departements}),
        categories=sorted({k for e in c.ej for k in e.categories}),
        niveau=words.niveau,
        mesure=words.mesure,
        valeur=ciblage.valeur,
        ciblage=lambda row: ciblage.phrase(row, words.mesure(row)),
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
            "years": Markup(charts.year_bars(c.par_annee)),
        },
        theme_chart=lambda scores: Markup(charts.theme_scores(scores)),
    )
