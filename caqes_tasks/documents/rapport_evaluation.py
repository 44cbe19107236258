"""The rapport d'évaluation annuel of an EJ (contrat type art. 8–9), one per EJ and year.

Art. 8: the joint ARS – Assurance Maladie evaluation « donne lieu à un rapport d'évaluation »,
built from the data on the indicators and from the establishment's autoévaluation. Art. 9:
« les cibles, leur réalisation, le niveau de pondération … ainsi que le montant total de
l'intéressement … sont reportés dans le rapport d'évaluation annuel ».

What it states, per EJ (every figure read from the warehouse, none computed here but sums):
- per ET × indicator of the contracted perimeter (``fct_evaluation.sous_contrat``): reference,
  target, result, attainment, or why it is not evaluable;
- per theme, volet and contract: the score (``fct_score``) and its weight (référentiel);
- the action plan's items (``raw.engagements``) and their realisation, with the plan's attainment;
- the establishment's self-assessment per theme (optional source ``autoevaluations``), or that
  none was received;
- the intéressement (national, regional, modulation and its reason) as the notification
  d'intéressement states it, and any sanction with the state of its procedure.

The EJs concerned are those with a contract in force in year N or a score for N.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from caqes_tasks.notices import vocabulary as v
from caqes_tasks.notices.data import YearData, read_year
from caqes_tasks.notices.model import Libelles, RunInfo, interessement_context, procedure_row, sanction_context
from caqes_tasks.outcomes.vocabulary import Etape

TITRE = "Rapport d'évaluation annuel"
REALISATIONS = {"realise": "réalisé", "partiel": "partiellement réalisé", "non_realise": "non réalisé"}
ETAPES = {
    Etape.NOTIFICATION_PREALABLE: "notification préalable adressée, délai d'observations",
    Etape.DECISION: "décision prise",
    Etape.CLASSEE_SANS_SUITE: "classée sans suite",
}


@dataclass
class Extras:
    """What the rapport reads besides the notices' tables, grouped by finess_ej."""

    engagements: dict[str, list[dict]] = field(default_factory=dict)
    autoevaluations: dict[str, list[dict]] = field(default_factory=dict)
    contrats: dict[str, list[dict]] = field(default_factory=dict)
    autoevaluations_source: bool = False  # raw.autoevaluations exists in the warehouse


def _tables(con) -> set[str]:
    return {f"{s}.{t}" for s, t in con.execute("SELECT table_schema, table_name FROM information_schema.tables").fetchall()}


def _grouped(con, sql: str, params: list) -> dict[str, list[dict]]:
    cur = con.execute(sql, params)
    names = [d[0] for d in cur.description]
    out: dict[str, list[dict]] = defaultdict(list)
    for row in cur.fetchall():
        rec = dict(zip(names, row))
        out[str(rec["finess_ej"])].append(rec)
    return dict(out)


def read_extras(con, year: int) -> Extras:
    """Action-plan items (raw.engagements, ET mapped to its EJ by the year's register),
    self-assessments (raw.autoevaluations) and contracts (marts.fct_contractualisation)."""
    tables = _tables(con)
    extras = Extras(autoevaluations_source="raw.autoevaluations" in tables)
    if "raw.engagements" in tables and "marts.dim_etablissement" in tables:
        extras.engagements = _grouped(
            con,
            "SELECT d.finess_ej, e.finess_geo, e.theme, e.engagement_id, e.libelle, e.realise "
            "FROM raw.engagements e JOIN marts.dim_etablissement d ON d.finess_geo = e.finess_geo AND d.annee = e.annee "
            "WHERE e.annee = ? ORDER BY d.finess_ej, e.theme, e.finess_geo, e.engagement_id",
            [year],
        )
    if extras.autoevaluations_source:
        extras.autoevaluations = _grouped(
            con,
            "SELECT finess_ej, theme, realisation, commentaire FROM raw.autoevaluations WHERE annee = ? "
            "ORDER BY finess_ej, theme",
            [year],
        )
    if "marts.fct_contractualisation" in tables:
        extras.contrats = _grouped(
            con,
            "SELECT finess_ej, volet, statut, en_vigueur, date_signature, date_effet, date_fin "
            "FROM marts.fct_contractualisation WHERE annee = ? AND statut <> 'absent' ORDER BY finess_ej, volet",
            [year],
        )
    return extras


def read_rapport_data(con, year: int) -> tuple[YearData, Extras]:
    return read_year(con, year), read_extras(con, year)


def ejs_concerned(data: YearData, extras: Extras) -> list[str]:
    """EJs with a contract in force in year N, or a score for N."""
    en_vigueur = {ej for ej, rows in extras.contrats.items() if any(r["en_vigueur"] for r in rows)}
    return sorted(en_vigueur | set(data.ejs("fct_score")))


@dataclass(frozen=True)
class Poids:
    """Weights of the référentiel: indicator in its theme, theme in its volet, volet in the contract."""

    indicateurs: dict[str, Decimal] = field(default_factory=dict)
    themes: dict[str, Decimal] = field(default_factory=dict)
    volets: dict[str, Decimal] = field(default_factory=dict)

    @classmethod
    def from_referentiel(cls, ref) -> "Poids":
        if ref is None:
            return cls()
        return cls(
            indicateurs={i.code: i.poids for i in ref.indicateurs},
            themes={t["code"]: Decimal(str(t.get("poids", 1))) for t in ref.themes},
            volets={x["code"]: Decimal(str(x.get("poids", 1))) for x in ref.volets},
        )

    def of(self, niveau: str, code: str) -> Decimal | None:
        return {"theme": self.themes, "volet": self.volets}.get(niveau, {}).get(code)


def _plan_items(rows: list[dict], noms_et: dict[str, str], lib: Libelles) -> list[dict]:
    themes: dict[str, dict] = {}
    for r in rows:
        t = themes.setdefault(r["theme"], {"theme": r["theme"], "libelle": lib.themes.get(r["theme"], ""), "items": []})
        t["items"].append({**r, "nom_et": noms_et.get(r["finess_geo"], "")})
    for t in themes.values():
        t["realises"] = sum(1 for i in t["items"] if i["realise"])
        t["total"] = len(t["items"])
    return list(themes.values())


def rapport_context(data: YearData, extras: Extras, ej: str, run: RunInfo, lib: Libelles, poids: Poids) -> dict:
    """Everything the rapport of ``ej`` states (module docstring)."""
    interessement = interessement_context(data, ej, run, lib)
    sanctions = sanction_context(data, ej, v.PREALABLE, run, lib)
    noms_et = {r["finess_geo"]: r["raison_sociale"] for r in data.rows("dim_etablissement", ej)}
    indicateurs = [
        {**r, "poids": poids.indicateurs.get(r["indicateur"])}
        for r in interessement["indicateurs"]
        if r["sous_contrat"] and r["type_indicateur"] != "plan_action"
    ]
    plans = [r for r in interessement["indicateurs"] if r["sous_contrat"] and r["type_indicateur"] == "plan_action"]
    scores = [{**s, "poids": poids.of(s["niveau"], s["code"])} for s in interessement["scores"]]
    auto = [
        {**r, "libelle": lib.themes.get(r["theme"], ""), "realisation_libelle": REALISATIONS.get(r["realisation"], r["realisation"])}
        for r in extras.autoevaluations.get(ej, [])
    ]
    proc = procedure_row(data, ej)
    etape = (proc or {}).get("etape") or ""
    lignes_sanction = [ln for ln in sanctions["lignes"] if not ln["sans_montant"]]
    return {
        **interessement,
        "titre": TITRE,
        "kind": "rapport_evaluation",
        "indicateurs": indicateurs,
        "plans": plans,
        "plan_items": _plan_items(extras.engagements.get(ej, []), noms_et, lib),
        "scores": scores,
        "contrats": extras.contrats.get(ej, []),
        "autoevaluations": auto,
        "autoevaluations_source": extras.autoevaluations_source,
        "sanctions": lignes_sanction,
        "mesures_complementaires": sanctions["mesures_complementaires"],
        "total_sanctions": sanctions["montant_final"] if etape == Etape.DECISION else sanctions["montant_notifie"],
        "procedure": proc,
        "etape_libelle": ETAPES.get(etape, etape.replace("_", " ")),
        "date_limite": sanctions["date_limite"],
        "avis_cpam": sanctions["avis_cpam"],
        "date_lettre": run.as_of,
        "articles": ["L.\u00a0162-30-2", "L.\u00a0162-30-4"],
        "runs_resultats": sorted(set(interessement["runs_resultats"]) | set(sanctions["runs_resultats"])),
    }
