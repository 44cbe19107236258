"""Read what the outcomes stage needs from the warehouse, for one evaluation year.

Marts (dbt, docs/architecture.md): fct_score, fct_evaluation, fct_contractualisation,
dim_etablissement. Raw inputs: produits_am, enveloppes, modulations, observations,
notifications, avis_cpam, decisions_dg (a source not delivered is an empty table: no rows).
State: meta.procedure. Money stays Decimal (DuckDB DECIMAL) and is turned into cents here.

The marts' columns of docs/rules.md revision 2 (fct_evaluation.mesure, debut_periode,
methode_periode, montant_periode(_reference); fct_contractualisation.date_proposition,
refus_a_sanctionner) are required: a warehouse built by older models is refused, never read
with a guessed default.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from caqes_tasks.outcomes.money import euros_to_cents
from caqes_tasks.outcomes.procedure import AvisCpam, EtatProcedure, Observation, Reception
from caqes_tasks.outcomes.sanctions import DecisionDG

#: columns the outcomes read from the dbt marts, beyond the ones every version had
COLONNES_REQUISES = {
    "fct_evaluation": ("finess_geo", "finess_ej", "indicateur", "type_indicateur", "volet", "theme", "sens",
                       "sous_contrat", "valeur", "objectif", "montant", "montant_reference", "atteinte",
                       "evaluable", "mesure", "debut_periode", "methode_periode", "montant_periode",
                       "montant_periode_reference"),
    "fct_contractualisation": ("finess_ej", "volet", "propose", "statut", "en_vigueur", "date_proposition",
                               "refus_a_sanctionner"),
}
#: raw.notifications.document of the notice the deadline for observations runs from
DOCUMENT_PREALABLE = "notification_prealable"


class OutcomeInputError(ValueError):
    """An input of the outcomes stage is contradictory; nothing is computed from it."""


@dataclass
class Entrees:
    annee: int
    exercice_base: int
    evaluation: list[dict]
    scores: dict[tuple[str, str, str], Decimal | None]  # (finess_ej, niveau, code) -> score
    contrats: list[dict]
    et_ej: dict[str, str]  # finess_geo -> finess_ej (dim_etablissement of the year)
    produits_am: dict[str, int]  # finess_ej -> cents, exercice_base
    produits_am_conflits: set[str]
    enveloppes: dict[str, Decimal]
    modulations: dict[str, tuple[Decimal, str | None]]
    observations: dict[str, Observation]
    procedures: dict[str, list[EtatProcedure]] = field(default_factory=dict)
    receptions: dict[str, tuple[Reception, ...]] = field(default_factory=dict)  # notification préalable
    avis_cpam: dict[str, AvisCpam] = field(default_factory=dict)
    decisions_dg: dict[str, list[DecisionDG]] = field(default_factory=dict)


def _rows(con, sql: str, params: list | None = None, requises: tuple[str, ...] = (), source: str = "") -> list[dict]:
    cur = con.execute(sql, params or [])
    cols = [d[0] for d in cur.description]
    missing = [c for c in requises if c not in cols]
    if missing:
        raise OutcomeInputError(
            f"{source}: columns {missing} missing (marts older than the models of docs/rules.md revision 2): "
            "run the transform stage first"
        )
    return [dict(zip(cols, r, strict=True)) for r in cur.fetchall()]


def _unique(rows: list[dict], key: str, value, source: str) -> dict:
    """One value per key; identical duplicates are merged, conflicting ones refused."""
    out: dict = {}
    for r in rows:
        k, v = r[key], value(r)
        if k in out and out[k] != v:
            raise OutcomeInputError(f"{source}: conflicting rows for {k}")
        out[k] = v
    return out


def lire_entrees(con, annee: int, exercice_base: int | None = None) -> Entrees:
    """Everything the stage reads for year ``annee``; ``exercice_base``: the produits AM exercice
    that is the base P (the référentiel's ``exercice_base``: N by default, or N-1)."""
    exercice = annee if exercice_base is None else exercice_base
    evaluation = _rows(con, "SELECT * FROM marts.fct_evaluation WHERE annee = ? ORDER BY finess_ej, finess_geo, indicateur",
                       [annee], COLONNES_REQUISES["fct_evaluation"], "marts.fct_evaluation")
    scores = {
        (r["finess_ej"], r["niveau"], r["code"]): (r["score"] if r["evaluable"] and r["score"] is not None else None)
        for r in _rows(con, "SELECT finess_ej, niveau, code, score, evaluable FROM marts.fct_score WHERE annee = ?", [annee])
    }
    contrats = _rows(con, "SELECT * FROM marts.fct_contractualisation WHERE annee = ? ORDER BY finess_ej, volet",
                     [annee], COLONNES_REQUISES["fct_contractualisation"], "marts.fct_contractualisation")
    et_ej = _unique(
        _rows(con, "SELECT finess_geo, finess_ej FROM marts.dim_etablissement WHERE annee = ?", [annee]),
        "finess_geo", lambda r: r["finess_ej"], "dim_etablissement",
    )
    pam_rows = _rows(con, "SELECT finess_ej, produits_am FROM raw.produits_am WHERE exercice = ?", [exercice])
    by_ej: dict[str, set[Decimal]] = defaultdict(set)
    for r in pam_rows:
        by_ej[r["finess_ej"]].add(r["produits_am"])
    conflits = {ej for ej, vals in by_ej.items() if len(vals) > 1}
    produits = {ej: euros_to_cents(next(iter(vals))) for ej, vals in by_ej.items() if len(vals) == 1}
    if any(v < 0 for v in produits.values()):
        raise OutcomeInputError("produits_am: negative amount")
    enveloppes = _unique(
        _rows(con, "SELECT theme, montant FROM raw.enveloppes WHERE annee = ?", [annee]),
        "theme", lambda r: r["montant"], "enveloppes",
    )
    modulations = _unique(
        _rows(con, "SELECT finess_ej, coefficient, motif FROM raw.modulations WHERE annee = ?", [annee]),
        "finess_ej", lambda r: (r["coefficient"], r["motif"]), "modulations",
    )
    observations = _unique(
        _rows(con, "SELECT * FROM raw.observations WHERE annee = ?", [annee]),
        "finess_ej",
        lambda r: Observation(
            date_reception=r["date_reception"],
            suite=str(r["suite"]).strip().lower(),
            montant_retenu=None if r["montant_retenu"] is None else euros_to_cents(r["montant_retenu"]),
            motif=r["motif"],
        ),
        "observations",
    )
    receptions: dict[str, list[Reception]] = defaultdict(list)
    for r in _rows(con, "SELECT finess_ej, date_envoi, date_reception FROM raw.notifications "
                        "WHERE annee = ? AND lower(trim(document)) = ? ORDER BY finess_ej, date_envoi",
                   [annee, DOCUMENT_PREALABLE]):
        receptions[r["finess_ej"]].append(Reception(r["date_envoi"], r["date_reception"]))
    avis = _unique(
        _rows(con, "SELECT finess_ej, date_avis, sens, commentaire FROM raw.avis_cpam WHERE annee = ?", [annee]),
        "finess_ej",
        lambda r: AvisCpam(r["date_avis"], str(r["sens"]).strip().lower(), r["commentaire"]),
        "avis_cpam",
    )
    decisions: dict[str, list[DecisionDG]] = defaultdict(list)
    for r in _rows(con, "SELECT finess_ej, objet, choix, montant_base, motif FROM raw.decisions_dg WHERE annee = ? "
                        "ORDER BY finess_ej, objet, choix", [annee]):
        decisions[r["finess_ej"]].append(DecisionDG(
            objet=str(r["objet"]).strip(), choix=str(r["choix"]).strip().lower(),
            montant_base=None if r["montant_base"] is None else euros_to_cents(r["montant_base"]),
            motif=r["motif"],
        ))
    procedures: dict[str, list[EtatProcedure]] = defaultdict(list)
    for r in _rows(con, "SELECT * FROM meta.procedure WHERE annee = ? ORDER BY finess_ej, sequence", [annee]):
        procedures[r["finess_ej"]].append(
            EtatProcedure(
                **{
                    **r,
                    "montant_notifie": euros_to_cents(r["montant_notifie"]),
                    "montant_retenu": None if r["montant_retenu"] is None else euros_to_cents(r["montant_retenu"]),
                    "montant_final": None if r["montant_final"] is None else euros_to_cents(r["montant_final"]),
                }
            )
        )
    return Entrees(
        annee=annee,
        exercice_base=exercice,
        evaluation=evaluation,
        scores=scores,
        contrats=contrats,
        et_ej=et_ej,
        produits_am=produits,
        produits_am_conflits=conflits,
        enveloppes=enveloppes,
        modulations=modulations,
        observations=observations,
        procedures=dict(procedures),
        receptions={ej: tuple(v) for ej, v in receptions.items()},
        avis_cpam=avis,
        decisions_dg=dict(decisions),
    )
