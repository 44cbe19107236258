"""Targeting of the demo values, so that the generated contracts match what the pipeline will
propose (docs/rules.md §4).

Targeting "for year P" is the targeting of a proposal made in P: it reads the calendar year
before the proposal, Y = P − 1. National indicators: ``base ≥ min_base`` and
(``spending_growth > max_taux_evolution`` or ``value > seuil_valeur``), where the growth is
always that of the SPENDING the indicator measures (``montant(Y) / montant(Y−1) − 1``, for a
rate or share indicator too; not computable when the earlier amount is missing or 0: then only
the value test applies) and the value test compares the indicator's own measure (amount, rate
or share). Regional indicators: the threshold in the indicator's direction, or an explicit
list of FINESS.
"""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

from caqes_demo.measures import Mesures, valeur_nationale
from caqes_tasks.referentiel import Indicateur, Referentiel


def croissance_depense(mesures: Mesures, finess_geo: str, annee_reference: int, code: str) -> Fraction | None:
    """Exact growth of the spending between ``annee_reference − 1`` and ``annee_reference``."""
    v = mesures.nationales.get((finess_geo, annee_reference, code))
    avant = mesures.nationales.get((finess_geo, annee_reference - 1, code))
    if v is None or avant is None or avant.montant == 0:
        return None
    return Fraction(v.montant, avant.montant) - 1


def _nationale(ind: Indicateur, mesures: Mesures, finess_geo: str, annee: int) -> bool:
    ref = mesures.nationales.get((finess_geo, annee - 1, ind.code))
    if ref is None:
        return False
    valeur, base = valeur_nationale(ind, ref)
    if ind.min_base is not None and base < ind.min_base:
        return False
    if ind.max_taux_evolution is not None:
        hausse = croissance_depense(mesures, finess_geo, annee - 1, ind.code)
        if hausse is not None and hausse > Fraction(ind.max_taux_evolution):
            return True
    return ind.seuil_valeur is not None and _au_dela(ind, valeur, ind.seuil_valeur)


def _au_dela(ind: Indicateur, valeur: Decimal, seuil: Decimal) -> bool:
    return valeur > seuil if ind.sens == "lower_is_better" else valeur < seuil


def _regionale(ind: Indicateur, mesures: Mesures, finess_geo: str, annee: int) -> bool:
    if ind.regle_ciblage == "liste":
        return finess_geo in ind.liste_ciblage
    ref = mesures.regionales.get((finess_geo, annee - 1, ind.code))
    return ref is not None and ind.seuil_valeur is not None and _au_dela(ind, ref.valeur, ind.seuil_valeur)


def est_cible(ref: Referentiel, mesures: Mesures, finess_geo: str, annee: int, code: str) -> bool:
    """Targeted for a proposal made in ``annee`` (reference year ``annee − 1``)."""
    ind = ref.by_code[code]
    if ind.type == "national":
        return _nationale(ind, mesures, finess_geo, annee)
    return _regionale(ind, mesures, finess_geo, annee)


def ciblage(ref: Referentiel, mesures: Mesures, finess_geo: list[str], annees: list[int]) -> set[tuple[str, int, str]]:
    """Every targeted (finess_geo, annee, indicateur), ``annee`` being the proposal's year."""
    return {
        (f, a, code)
        for f in finess_geo
        for a in annees
        for code in ref.codes()
        if est_cible(ref, mesures, f, a, code)
    }
