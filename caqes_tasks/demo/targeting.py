"""Targeting of the demo values, so that the generated contracts match what the pipeline will
propose (rules.md §4): national indicators on the reference year N-1 — ``base ≥ min_base`` and
(``growth > max_taux_evolution`` or ``value > seuil_valeur``), growth against N-2 —, regional
indicators on the threshold in the indicator's direction, or an explicit list of FINESS.
"""

from __future__ import annotations

from decimal import Decimal

from caqes_tasks.demo.measures import Mesures, valeur_nationale
from caqes_tasks.referentiel import Indicateur, Referentiel


def _nationale(ind: Indicateur, mesures: Mesures, finess_geo: str, annee: int) -> bool:
    ref = mesures.nationales.get((finess_geo, annee - 1, ind.code))
    if ref is None:
        return False
    valeur, base = valeur_nationale(ind, ref)
    if ind.min_base is not None and base < ind.min_base:
        return False
    avant = mesures.nationales.get((finess_geo, annee - 2, ind.code))
    if ind.max_taux_evolution is not None and avant is not None:
        valeur_avant, _ = valeur_nationale(ind, avant)
        if valeur_avant != 0 and valeur / valeur_avant - 1 > ind.max_taux_evolution:
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
    ind = ref.by_code[code]
    if ind.type == "national":
        return _nationale(ind, mesures, finess_geo, annee)
    return _regionale(ind, mesures, finess_geo, annee)


def ciblage(ref: Referentiel, mesures: Mesures, finess_geo: list[str], annees: list[int]) -> set[tuple[str, int, str]]:
    """Every targeted (finess_geo, annee, indicateur)."""
    return {
        (f, a, code)
        for f in finess_geo
        for a in annees
        for code in ref.codes()
        if est_cible(ref, mesures, f, a, code)
    }
