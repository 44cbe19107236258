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

This is the rule of the dbt models ``int_05_evolution`` / ``int_06_ciblage`` (the one place the
pipeline decides), restated here because the demo must know the targeting BEFORE any warehouse
exists: the contracts, perimeters and avenants it writes are drawn from it. It reads the same
référentiel (thresholds, ``decalage_reference``) and does the same arithmetic: the growth is
``montant(R) / montant(R−1)`` rounded half-up to 6 decimals, minus 1, and a rate or share is
``numerateur / denominateur`` rounded half-up to 6 decimals (``caqes.div_round``). The end-to-end
test of the annual DAG checks the warehouse's targeting against the demo's files.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from caqes_demo.measures import Mesures, valeur_nationale
from caqes_tasks.referentiel import Indicateur, Referentiel


SIX = Decimal("0.000001")


def _div_round6(num: int, den: int) -> Decimal:
    """``num / den`` rounded half-up to 6 decimals, exactly (non-negative integers)."""
    return Decimal((2 * num * 10**6 + den) // (2 * den)).scaleb(-6)


def croissance_depense(mesures: Mesures, finess_geo: str, annee_reference: int, code: str,
                       decalage: int = 1) -> Decimal | None:
    """Growth of the spending between ``annee_reference − decalage`` and ``annee_reference``, as
    ``int_05_evolution`` computes it (ratio rounded half-up to 6 decimals, minus 1)."""
    v = mesures.nationales.get((finess_geo, annee_reference, code))
    avant = mesures.nationales.get((finess_geo, annee_reference - decalage, code))
    if v is None or avant is None or avant.montant == 0:
        return None
    return _div_round6(v.montant, avant.montant) - 1


def _nationale(ind: Indicateur, mesures: Mesures, finess_geo: str, annee: int, decalage: int) -> bool:
    ref = mesures.nationales.get((finess_geo, annee - decalage, ind.code))
    if ref is None:
        return False
    valeur, base = valeur_nationale(ind, ref)
    if ind.mesure != "amount":  # int_04: numerateur / denominateur, 6 decimals half-up
        valeur = valeur.quantize(SIX, rounding=ROUND_HALF_UP)
    if ind.min_base is not None and base < ind.min_base:
        return False
    if ind.max_taux_evolution is not None:
        hausse = croissance_depense(mesures, finess_geo, annee - decalage, ind.code, decalage)
        if hausse is not None and _au_dela(ind, hausse, ind.max_taux_evolution):
            return True
    return ind.seuil_valeur is not None and _au_dela(ind, valeur, ind.seuil_valeur)


def _au_dela(ind: Indicateur, valeur: Decimal, seuil: Decimal) -> bool:
    return valeur > seuil if ind.sens == "lower_is_better" else valeur < seuil


def _regionale(ind: Indicateur, mesures: Mesures, finess_geo: str, annee: int, decalage: int) -> bool:
    if ind.regle_ciblage == "liste":
        return finess_geo in ind.liste_ciblage
    ref = mesures.regionales.get((finess_geo, annee - decalage, ind.code))
    return ref is not None and ind.seuil_valeur is not None and _au_dela(ind, ref.valeur, ind.seuil_valeur)


def est_cible(ref: Referentiel, mesures: Mesures, finess_geo: str, annee: int, code: str) -> bool:
    """Targeted for a proposal made in ``annee`` (reference year ``annee − decalage_reference``)."""
    ind = ref.by_code[code]
    if ind.type == "national":
        return _nationale(ind, mesures, finess_geo, annee, ref.decalage_reference)
    return _regionale(ind, mesures, finess_geo, annee, ref.decalage_reference)


def ciblage(ref: Referentiel, mesures: Mesures, finess_geo: list[str], annees: list[int]) -> set[tuple[str, int, str]]:
    """Every targeted (finess_geo, annee, indicateur), ``annee`` being the proposal's year."""
    return {
        (f, a, code)
        for f in finess_geo
        for a in annees
        for code in ref.codes()
        if est_cible(ref, mesures, f, a, code)
    }
