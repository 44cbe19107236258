"""Intéressement: national (share of savings, by attainment) and regional (FIR envelope per theme).

Contract template art. 9 and volet 1 art. 4; docs/rules.md §6 step by step. All amounts are
integer cents; exact intermediate values are ``Fraction`` (see ``caqes_tasks.outcomes.money``),
rounded once at the end.
"""

from __future__ import annotations

import calendar
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from fractions import Fraction

from caqes_tasks.outcomes.legal import check_coefficient_modulation
from caqes_tasks.outcomes.money import (
    Exact,
    euros_to_cents,
    exact,
    floor_cents,
    half_up_cents,
    largest_remainder,
    prorata,
)
from caqes_tasks.outcomes.vocabulary import Formule, MethodePeriode

#: theme code of an ``enveloppes`` row that gives the regional total to split by theme weights
THEME_TOTAL = "TOTAL"


class EnveloppeError(ValueError):
    """The envelope input cannot be read unambiguously."""


class EconomieError(ValueError):
    """The savings of a national line cannot be computed from its inputs (the message says why)."""


# -- national ---------------------------------------------------------------------------------


def economie_cents(montant_reference: Decimal, montant: Decimal) -> int:
    """Savings of an ET on a national indicator over a whole year: montant(N-1) - montant(N), cents.

    Arrêté du 23 février 2022 art. III; docs/rules.md §6 (national): the spending each indicator
    measures, in euros, for ``rate``/``share`` indicators too.
    """
    return euros_to_cents(montant_reference) - euros_to_cents(montant)


def un_an_avant(jour: date) -> date:
    """The same date one year earlier (29 February -> 28 February)."""
    try:
        return jour.replace(year=jour.year - 1)
    except ValueError:
        return jour.replace(year=jour.year - 1, day=28)


def fraction_annee(debut: date, annee: int) -> Fraction:
    """Days in [debut, 31 December annee] over the days of year ``annee`` (exact)."""
    if debut.year != annee:
        raise EconomieError(f"début de période {debut} hors de l'année {annee}")
    jours = (date(annee, 12, 31) - debut).days + 1
    return Fraction(jours, 366 if calendar.isleap(annee) else 365)


@dataclass(frozen=True)
class Periode:
    """The period of a national line's savings (docs/rules.md §6, national)."""

    methode: str  # a MethodePeriode
    debut: date  # 1 January N, or the contract's date_effet in its first year

    def libelle(self, annee: int) -> str:
        fin = f"31/12/{annee}"
        d = self.debut.strftime("%d/%m/%Y")
        d1 = un_an_avant(self.debut).strftime("%d/%m/%Y")
        if self.methode == MethodePeriode.ANNEE_CIVILE:
            return f"année {annee} comparée à l'année {annee - 1}"
        if self.methode == MethodePeriode.LIGNES_PHEV:
            return f"du {d} au {fin}, comparé au {d1}–31/12/{annee - 1} (lignes de facturation datées)"
        return (f"du {d} au {fin}, comparé au {d1}–31/12/{annee - 1} (montants annuels proratisés au "
                "nombre de jours)")


def economie_exacte(
    periode: Periode,
    annee: int,
    montant: Decimal | None,
    montant_reference: Decimal | None,
    montant_periode: Decimal | None = None,
    montant_periode_reference: Decimal | None = None,
) -> Fraction:
    """Savings over the period, in cents, exact (docs/rules.md §6, national).

    ``annee_civile``: montant(N-1) - montant(N). ``lignes_phev``: the same over the period, summed
    from dated lines by dbt. ``prorata_jours``: the yearly amounts prorated exactly by days,
    ``montant_reference x d(N-1)/days(N-1) - montant x d(N)/days(N)`` where d(N) counts
    [debut, 31/12/N] and d(N-1) the same dates one year earlier. Rounded only by the caller.
    """
    if periode.methode == MethodePeriode.ANNEE_CIVILE:
        if montant is None or montant_reference is None:
            raise EconomieError("montant de l'année N ou N-1 absent: économie non calculable")
        return Fraction(economie_cents(montant_reference, montant))
    if periode.methode == MethodePeriode.LIGNES_PHEV:
        if montant_periode is None or montant_periode_reference is None:
            raise EconomieError("montant de la période (lignes de facturation) absent: économie non calculable")
        return Fraction(economie_cents(montant_periode_reference, montant_periode))
    if periode.methode == MethodePeriode.PRORATA_JOURS:
        if montant is None or montant_reference is None:
            raise EconomieError("montant de l'année N ou N-1 absent: économie non calculable")
        n = fraction_annee(periode.debut, annee)
        n1 = fraction_annee(un_an_avant(periode.debut), annee - 1)
        return euros_to_cents(montant_reference) * n1 - euros_to_cents(montant) * n
    raise EconomieError(f"méthode de période inconnue {periode.methode!r}")


def interessement_national_exact(
    part: Decimal,
    economie: Exact,
    atteinte: Decimal = Decimal(1),
    formule: str = Formule.PROPORTIONNELLE,
    seuil_atteinte: Decimal | None = None,
) -> Fraction:
    """National intéressement before rounding, in cents (volet 1 art. 4; docs/rules.md §6).

    ``proportionnelle``: part x max(savings, 0) x attainment. ``seuil``: part x max(savings, 0)
    when attainment >= seuil_atteinte, else 0. ``part`` is the indicator's share (référentiel).
    """
    if not Decimal(0) <= part <= Decimal(1):
        raise ValueError(f"part {part} outside [0, 1]")
    a = exact(atteinte)
    if not 0 <= a <= 1:
        raise ValueError(f"attainment {atteinte} outside [0, 1]")
    gain = exact(part) * max(exact(economie), Fraction(0))
    if formule == Formule.PROPORTIONNELLE:
        return gain * a
    if formule == Formule.SEUIL:
        if seuil_atteinte is None:
            raise ValueError("the threshold formula needs seuil_atteinte")
        return gain if a >= exact(seuil_atteinte) else Fraction(0)
    raise ValueError(f"unknown national formula {formule!r}")


def interessement_national_cents(part: Decimal, economie: Exact, *formule, **options) -> int:
    """National intéressement, rounded once half-up to the cent (docs/rules.md §6); the arguments
    are those of :func:`interessement_national_exact` (attainment, formula, threshold)."""
    return half_up_cents(interessement_national_exact(part, economie, *formule, **options))


# -- regional ---------------------------------------------------------------------------------


def enveloppes_par_theme(
    lignes: Mapping[str, Decimal], poids_themes: Mapping[str, Exact]
) -> dict[str, int]:
    """Regional envelope per theme, in cents (docs/rules.md §6, regional step 1).

    ``lignes`` are the ``enveloppes`` rows of the year (theme -> euros). Either they give one
    envelope per theme, or a single ``TOTAL`` row that is split across the regional themes by
    ``poids_themes`` (largest remainder, so the theme envelopes sum to the total exactly).
    A mix of both is ambiguous and refused; a theme row for a theme that has no regional
    envelope in the référentiel is refused too.
    """
    totals = {k: v for k, v in lignes.items() if k.upper() == THEME_TOTAL}
    per_theme = {k: v for k, v in lignes.items() if k.upper() != THEME_TOTAL}
    if totals and per_theme:
        raise EnveloppeError("enveloppes: a TOTAL row and per-theme rows for the same year")
    unknown = sorted(set(per_theme) - set(poids_themes))
    if unknown:
        raise EnveloppeError(f"enveloppes: themes without a regional envelope in the référentiel: {unknown}")
    for k, v in lignes.items():
        if v < 0:
            raise EnveloppeError(f"enveloppes: negative envelope for {k}")
    if per_theme:
        return {t: euros_to_cents(v) for t, v in per_theme.items()}
    if not totals:
        return {}
    (total,) = totals.values()
    return prorata(poids_themes, euros_to_cents(total))


@dataclass(frozen=True)
class PartRegionale:
    """What one concerned EJ gets from one theme envelope (cents)."""

    finess_ej: str
    theme: str
    plafond: int  # shown ceiling: the exact ceilings split by largest remainder (sum = envelope)
    plafond_exact: Fraction  # ceiling envelope x w_e / sum(w), never rounded before use (§6 step 2)
    exact: Fraction  # exact ceiling x score / 100 (+ redistribution), before rounding
    montant: int  # largest-remainder part (§6 step 5)
    score: Decimal | None
    evaluable: bool


def plafonds_exacts(enveloppe: int, poids_ej: Mapping[str, Exact]) -> dict[str, Fraction]:
    """Exact ceilings of the concerned EJs: envelope x w_e / sum(w), in cents (§6 step 2)."""
    w = {k: exact(v) for k, v in poids_ej.items()}
    total = sum(w.values(), Fraction(0))
    if not w:
        return {}
    if total <= 0 or any(v <= 0 for v in w.values()):
        raise ValueError("EJ weights must be positive")
    return {k: enveloppe * v / total for k, v in w.items()}


def montant_exact(plafond: Exact, score: Decimal | None) -> Fraction:
    """Amount proportional to attainment: exact ceiling x theme_score / 100 (§6 step 3).

    A theme that is not evaluable (``score`` None) gives 0: the EJ keeps its place in the prorata.
    """
    if score is None:
        return Fraction(0)
    s = exact(score)
    if not 0 <= s <= 100:
        raise ValueError(f"score {score} outside [0, 100]")
    return exact(plafond) * s / 100


def redistribuer(exacts: Mapping[str, Fraction], enveloppe: int) -> dict[str, Fraction]:
    """Redistribute the unspent part of a theme in proportion to what each EJ got (§6 step 4)."""
    total = sum(exacts.values(), Fraction(0))
    if total <= 0:
        return dict(exacts)
    reste = enveloppe - total
    return {k: v + reste * v / total for k, v in exacts.items()}


def repartir_theme(
    theme: str,
    enveloppe: int,
    scores: Mapping[str, Decimal | None],
    poids_ej: Mapping[str, Exact] | None = None,
    redistribuer_non_consomme: bool = False,
) -> list[PartRegionale]:
    """Distribute one theme's envelope over its concerned EJs (docs/rules.md §6, steps 2–5).

    ``scores``: concerned EJ -> theme score in percent (None when not evaluable). Ceilings stay
    exact; each amount is the exact ceiling x score / 100, and the amounts are rounded once:
    what is distributed is their exact sum rounded down to the cent, split by largest remainder.
    It never exceeds the envelope; without redistribution no part exceeds its exact ceiling
    rounded up.
    """
    if enveloppe < 0:
        raise ValueError("negative envelope")
    if not scores:
        return []
    poids = {ej: (poids_ej or {}).get(ej, 1) for ej in scores}
    exacts_plafond = plafonds_exacts(enveloppe, poids)
    montres = largest_remainder(exacts_plafond, enveloppe)
    exacts = {ej: montant_exact(exacts_plafond[ej], scores[ej]) for ej in scores}
    if redistribuer_non_consomme:
        exacts = redistribuer(exacts, enveloppe)
    distribue = floor_cents(sum(exacts.values(), Fraction(0)))
    parts = largest_remainder(exacts, distribue)
    return [
        PartRegionale(
            finess_ej=ej,
            theme=theme,
            plafond=montres[ej],
            plafond_exact=exacts_plafond[ej],
            exact=exacts[ej],
            montant=parts[ej],
            score=scores[ej],
            evaluable=scores[ej] is not None,
        )
        for ej in sorted(scores)
    ]


# -- modulation -------------------------------------------------------------------------------


def moduler(montants: Mapping[str, int], coefficient: Decimal) -> dict[str, int]:
    """Apply the DG ARS modulation coefficient to an EJ's amounts (docs/rules.md §6, volet art. 4).

    The EJ's modulated total is its total x coefficient rounded down to the cent; it is spread
    back over the lines by largest remainder, so no line exceeds its unmodulated amount. It applies
    to the EJ's whole intéressement, national and regional lines alike; what it frees is not
    redistributed.
    """
    check_coefficient_modulation(coefficient)
    c = exact(coefficient)
    total = floor_cents(sum(montants.values()) * c)
    return largest_remainder({k: v * c for k, v in montants.items()}, total)
