"""Intéressement: national (share of savings) and regional (FIR envelope per theme).

Contract template art. 9 and volet 1 art. 4; rules.md §6 step by step. All amounts are integer
cents; exact intermediate values are ``Fraction`` (see ``caqes_tasks.outcomes.money``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
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

#: theme code of an ``enveloppes`` row that gives the regional total to split by theme weights
THEME_TOTAL = "TOTAL"


class EnveloppeError(ValueError):
    """The envelope input cannot be read unambiguously."""


# -- national ---------------------------------------------------------------------------------


def economie_cents(montant_reference: Decimal, montant: Decimal) -> int:
    """Savings of an ET on a national indicator: montant(N-1) - montant(N), in cents.

    Arrêté du 23 février 2022 art. III; rules.md §6 (national): the spending each indicator
    measures, in euros, for ``rate``/``share`` indicators too.
    """
    return euros_to_cents(montant_reference) - euros_to_cents(montant)


def interessement_national_cents(part: Decimal, economie: int) -> int:
    """National intéressement = part x max(savings, 0), half-up to the cent.

    Volet 1 art. 4 of the contract template; rules.md §6 (national). ``part`` is the
    indicator's share in the référentiel (DSS: of the order of 20 % or 30 %).
    """
    if not Decimal(0) <= part <= Decimal(1):
        raise ValueError(f"part {part} outside [0, 1]")
    return half_up_cents(exact(part) * max(economie, 0))


# -- regional ---------------------------------------------------------------------------------


def enveloppes_par_theme(
    lignes: Mapping[str, Decimal], poids_themes: Mapping[str, Exact]
) -> dict[str, int]:
    """Regional envelope per theme, in cents (rules.md §6.1).

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
    plafond: int  # ceiling: its share of the envelope (rules §6.2)
    exact: Fraction  # ceiling x score / 100 (+ redistribution), before rounding
    montant: int  # largest-remainder part (rules §6.5)
    score: Decimal | None
    evaluable: bool


def plafonds_theme(enveloppe: int, poids_ej: Mapping[str, Exact]) -> dict[str, int]:
    """Ceilings of the concerned EJs: envelope x w_e / sum(w), in cents (rules.md §6.2).

    The split of the envelope into ceilings follows the largest-remainder rule (ties: smaller
    finess_ej), so the ceilings sum to the envelope and each is a whole number of cents.
    """
    return prorata(poids_ej, enveloppe)


def montant_exact(plafond: int, score: Decimal | None) -> Fraction:
    """Amount proportional to attainment: ceiling x theme_score / 100 (rules.md §6.3).

    A theme that is not evaluable (``score`` None) gives 0: the EJ keeps its place in the prorata.
    """
    if score is None:
        return Fraction(0)
    s = exact(score)
    if not 0 <= s <= 100:
        raise ValueError(f"score {score} outside [0, 100]")
    return plafond * s / 100


def redistribuer(exacts: Mapping[str, Fraction], enveloppe: int) -> dict[str, Fraction]:
    """Redistribute the unspent part of a theme in proportion to what each EJ got (§6.4)."""
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
    """Distribute one theme's envelope over its concerned EJs (rules.md §6.2–6.5).

    ``scores``: concerned EJ -> theme score in percent (None when not evaluable).
    What is distributed is the exact sum rounded down to the cent; the parts sum to it exactly
    and it never exceeds the envelope; without redistribution no part exceeds its ceiling.
    """
    if enveloppe < 0:
        raise ValueError("negative envelope")
    if not scores:
        return []
    poids = {ej: (poids_ej or {}).get(ej, 1) for ej in scores}
    plafonds = plafonds_theme(enveloppe, poids)
    exacts = {ej: montant_exact(plafonds[ej], scores[ej]) for ej in scores}
    if redistribuer_non_consomme:
        exacts = redistribuer(exacts, enveloppe)
    distribue = floor_cents(sum(exacts.values(), Fraction(0)))
    parts = largest_remainder(exacts, distribue)
    return [
        PartRegionale(
            finess_ej=ej,
            theme=theme,
            plafond=plafonds[ej],
            exact=exacts[ej],
            montant=parts[ej],
            score=scores[ej],
            evaluable=scores[ej] is not None,
        )
        for ej in sorted(scores)
    ]


# -- modulation -------------------------------------------------------------------------------


def moduler(montants: Mapping[str, int], coefficient: Decimal) -> dict[str, int]:
    """Apply the DG ARS modulation coefficient to an EJ's amounts (rules.md §6.6, volet art. 4).

    The EJ's modulated total is its total x coefficient rounded down to the cent; it is spread
    back over the lines by largest remainder, so no line exceeds its unmodulated amount. What it
    frees is not redistributed.
    """
    check_coefficient_modulation(coefficient)
    c = exact(coefficient)
    total = floor_cents(sum(montants.values()) * c)
    return largest_remainder({k: v * c for k, v in montants.items()}, total)
