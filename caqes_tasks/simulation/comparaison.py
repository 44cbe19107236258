"""Compare, per EJ, the outcomes of a year as published and under a simulation's parameters.

Both sides are computed by the outcomes stage's own compute step
(:func:`caqes_tasks.outcomes.stage.calculer`) from the same inputs: the published side with the
référentiel of the year's last run, the simulated side with the changes of
:mod:`caqes_tasks.simulation.parametres`. Nothing is written. Amounts are integer cents while
computed and Decimal euros (two decimals) in the rows: every difference is exact.
"""

from __future__ import annotations

import copy
from collections import defaultdict
from dataclasses import dataclass
from datetime import date

import pyarrow as pa

from caqes_tasks.outcomes.lecture import Entrees
from caqes_tasks.outcomes.money import cents_to_euros
from caqes_tasks.outcomes.stage import calculer
from caqes_tasks.referentiel import Referentiel
from caqes_tasks.simulation.parametres import Parametres, appliquer

MONEY = pa.decimal128(18, 2)
#: columns of the comparison (name, Arrow type, description in French)
COLONNES: tuple[tuple[str, pa.DataType, str], ...] = (
    ("annee", pa.int32(), "année d'évaluation"),
    ("finess_ej", pa.string(), "n° FINESS de l'entité juridique"),
    ("raison_sociale_ej", pa.string(), "nom de l'entité juridique"),
    ("interessement_actuel", MONEY, "intéressement (national + régional, après modulation) avec les paramètres publiés, en euros"),
    ("interessement_simule", MONEY, "intéressement avec les paramètres de la simulation, en euros"),
    ("ecart_interessement", MONEY, "intéressement simulé − actuel, en euros"),
    ("sanction_actuelle", MONEY, "sanctions (toutes lignes, après plafond de 5 % et choix du DG ARS) avec les paramètres publiés, en euros"),
    ("sanction_simulee", MONEY, "sanctions avec les paramètres de la simulation, en euros"),
    ("ecart_sanction", MONEY, "sanctions simulées − actuelles, en euros"),
    ("solde_actuel", MONEY, "intéressement − sanctions, paramètres publiés, en euros"),
    ("solde_simule", MONEY, "intéressement − sanctions, simulation, en euros"),
    ("ecart_solde", MONEY, "solde simulé − actuel, en euros"),
)
SCHEMA = pa.schema([(c, t) for c, t, _ in COLONNES])


@dataclass(frozen=True)
class Montants:
    """One EJ's amounts in cents."""

    interessement: int = 0
    sanction: int = 0


def montants_par_ej(e: Entrees, ref: Referentiel, as_of: date, run_id: str) -> dict[str, Montants]:
    """Each EJ's intéressement and sanction totals (cents) computed by the outcomes' compute step."""
    res = calculer(copy.deepcopy(e), ref, as_of, run_id)
    interessement: dict[str, int] = defaultdict(int)
    sanction: dict[str, int] = defaultdict(int)
    for r in res.interessement:
        interessement[r["finess_ej"]] += r["montant"]
    for r in res.sanctions:
        sanction[r["finess_ej"]] += r["montant"]
    return {ej: Montants(interessement.get(ej, 0), sanction.get(ej, 0)) for ej in sorted(set(interessement) | set(sanction))}


def comparer(
    e: Entrees, ref: Referentiel, p: Parametres, as_of: date, run_id: str, noms: dict[str, str] | None = None
) -> list[dict]:
    """One row per EJ with an amount on either side: amounts now, simulated and the differences."""
    noms = noms or {}
    actuel = montants_par_ej(e, ref, as_of, run_id)
    ref2, e2 = appliquer(ref, e, p)
    simule = montants_par_ej(e2, ref2, as_of, run_id)
    rows = []
    for ej in sorted(set(actuel) | set(simule)):
        a, s = actuel.get(ej, Montants()), simule.get(ej, Montants())
        rows.append({
            "annee": e.annee, "finess_ej": ej, "raison_sociale_ej": noms.get(ej) or f"Entité juridique {ej}",
            "interessement_actuel": cents_to_euros(a.interessement),
            "interessement_simule": cents_to_euros(s.interessement),
            "ecart_interessement": cents_to_euros(s.interessement - a.interessement),
            "sanction_actuelle": cents_to_euros(a.sanction),
            "sanction_simulee": cents_to_euros(s.sanction),
            "ecart_sanction": cents_to_euros(s.sanction - a.sanction),
            "solde_actuel": cents_to_euros(a.interessement - a.sanction),
            "solde_simule": cents_to_euros(s.interessement - s.sanction),
            "ecart_solde": cents_to_euros((s.interessement - s.sanction) - (a.interessement - a.sanction)),
        })
    return rows


def table(rows: list[dict]) -> pa.Table:
    return pa.Table.from_pylist(rows, schema=SCHEMA)
