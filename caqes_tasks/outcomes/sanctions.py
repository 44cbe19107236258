"""Sanctions: refusal (L162-30-2), non-attainment (L162-30-4), CAPES (L162-30-3), 5 % cap.

Base ``P`` is the EJ's produits AM of the last closed exercice, in integer cents. Every amount
is computed exactly and rounded down to the cent so no rounding lifts it above a cap (rules §7).
Each path is switched on or off by the référentiel; when off, the shortfall is still reported
(``active`` False) and no amount is issued.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from decimal import Decimal
from fractions import Fraction

from caqes_tasks.outcomes import legal
from caqes_tasks.outcomes.money import exact, floor_cents, largest_remainder

SANCTION_FINANCIERE = "sanction_financiere"
REDUCTION_LISTE_EN_SUS = "reduction_liste_en_sus"
MISE_SOUS_ACCORD_PREALABLE = "mise_sous_accord_prealable"
#: volets about produits de santé (liste en sus alternative possible): volet 1 of the template
VOLETS_PRODUITS_SANTE = frozenset({"V1"})


@dataclass(frozen=True)
class Sanction:
    """One sanction component for an EJ and a year (amounts in cents)."""

    finess_ej: str
    motif: str  # refus | non_atteinte | capes
    volet: str | None
    base: int  # P, cents
    taux: Decimal  # legal or référentiel rate the amount was computed with
    exact: Fraction  # exact amount before any cap
    plafond: int | None  # per-component cap (cents)
    calcule: int  # min(exact, plafond) rounded down (0 when inactive or alternative)
    montant: int  # after the global cap (0 when inactive or alternative)
    type_decision: str
    active: bool
    plafond_applique: str | None = None
    detail: str = ""

    @property
    def emise(self) -> bool:
        """True when the sanction is issued (switched on): it goes through the procedure."""
        return self.active


def _base(p: int) -> int:
    if isinstance(p, bool) or not isinstance(p, int) or p < 0:
        raise ValueError(f"produits AM must be non-negative integer cents, got {p!r}")
    return p


def plafond_volet(p: int) -> int:
    """Per-volet cap: 1 % x P rounded down (L162-30-4)."""
    return floor_cents(_base(p) * exact(legal.PLAFOND_NON_ATTEINTE_VOLET))


def plafond_annuel(p: int) -> int:
    """Global yearly cap: 5 % x P rounded down (L162-30-2, L162-30-4)."""
    return floor_cents(_base(p) * exact(legal.PLAFOND_GLOBAL_ANNUEL))


def sanction_refus(
    finess_ej: str,
    p: int,
    volets_refuses: Iterable[str],
    active: bool = True,
    alternative: str | None = None,
) -> Sanction | None:
    """Refusal to conclude the contract or a volet: 1 % x P, once per EJ-year (L162-30-2).

    Whatever the number of refused volets, a single sanction. When a refused volet concerns
    produits de santé the DG ARS may choose instead a 30 % reduction of the liste en sus
    coverage (``alternative=REDUCTION_LISTE_EN_SUS``): recorded as decision type, no amount.
    """
    volets = sorted(set(volets_refuses))
    if not volets:
        return None
    p = _base(p)
    detail = f"refus de conclure le(s) volet(s) {', '.join(volets)}"
    if alternative is not None:
        if alternative != REDUCTION_LISTE_EN_SUS:
            raise ValueError(f"refusal alternative must be {REDUCTION_LISTE_EN_SUS}")
        if not VOLETS_PRODUITS_SANTE & set(volets):
            raise ValueError("the liste en sus reduction needs a refused volet on produits de santé (L162-30-2)")
        return Sanction(
            finess_ej, "refus", ",".join(volets), p, legal.TAUX_REDUCTION_LISTE_EN_SUS_REFUS, Fraction(0),
            None, 0, 0, REDUCTION_LISTE_EN_SUS, active,
            detail=detail + f"; réduction de {legal.TAUX_REDUCTION_LISTE_EN_SUS_REFUS * 100:.0f} % de la part AM liste en sus",
        )
    amount = p * exact(legal.TAUX_SANCTION_REFUS)
    calcule = floor_cents(amount) if active else 0
    return Sanction(
        finess_ej, "refus", ",".join(volets), p, legal.TAUX_SANCTION_REFUS, amount, None,
        calcule, calcule, SANCTION_FINANCIERE, active, detail=detail,
    )


def sanction_non_atteinte(
    finess_ej: str,
    p: int,
    volet: str,
    score: Decimal | None,
    taux: Decimal,
    active: bool = True,
    alternative: str | None = None,
    taux_reduction: Decimal | None = None,
) -> Sanction | None:
    """Non-attainment of a volet: P x taux x (1 - score/100), capped at 1 % x P (L162-30-4).

    No sanction when the volet is fully attained or its score is not evaluable (None: the
    caller reports it). Alternatives (liste en sus reduction up to 30 %, mise sous accord
    préalable) are recorded as decision type without amount.
    """
    if score is None:
        return None
    legal.check_non_atteinte_taux(taux)
    s = exact(score)
    if not 0 <= s <= 100:
        raise ValueError(f"volet score {score} outside [0, 100]")
    if s == 100:
        return None
    p = _base(p)
    amount = p * exact(taux) * (1 - s / 100)
    cap = plafond_volet(p)
    calcule = min(floor_cents(amount), cap)
    detail = f"score du volet {score} %: P x {taux} x (1 - {score}/100)"
    type_decision = SANCTION_FINANCIERE
    taux_out = taux
    if alternative is not None:
        if alternative == REDUCTION_LISTE_EN_SUS:
            if taux_reduction is None:
                raise ValueError("a liste en sus reduction needs its rate")
            legal.check_reduction_liste_en_sus(taux_reduction)
            if volet not in VOLETS_PRODUITS_SANTE:
                raise ValueError("the liste en sus reduction concerns produits de santé only (L162-30-4)")
            taux_out = taux_reduction
        elif alternative != MISE_SOUS_ACCORD_PREALABLE:
            raise ValueError(f"unknown alternative {alternative!r}")
        type_decision = alternative
        calcule = 0
    if not active:
        calcule = 0
    plafond_applique = "1 % par volet (L162-30-4)" if floor_cents(amount) > cap and calcule else None
    return Sanction(
        finess_ej, "non_atteinte", volet, p, taux_out, amount, cap, calcule, calcule,
        type_decision, active, plafond_applique, detail,
    )


def sanction_capes(finess_ej: str, p: int, taux: Decimal, motif_detail: str, active: bool = True) -> Sanction:
    """CAPES penalty (breach or refusal to sign): P x taux with taux <= 1 % (L162-30-3 II).

    Not part of the 5 % cap of L162-30-2 / L162-30-4 (distinct contract and article).
    """
    legal.check_capes_taux(taux)
    p = _base(p)
    amount = p * exact(taux)
    cap = floor_cents(p * exact(legal.PLAFOND_CAPES))
    calcule = min(floor_cents(amount), cap) if active else 0
    return Sanction(finess_ej, "capes", None, p, taux, amount, cap, calcule, calcule, SANCTION_FINANCIERE, active,
                    detail=motif_detail)


def _cle(s: Sanction) -> str:
    return f"{s.motif}:{s.volet or ''}"


def appliquer_plafond_annuel(sanctions: list[Sanction]) -> list[Sanction]:
    """Cap refusal + non-attainment of one EJ-year at 5 % x P (L162-30-2, L162-30-4).

    When the cap binds, each component is reduced pro rata; the parts are spread by largest
    remainder (ties: smaller key) so they sum to the cap exactly. CAPES is left as is.
    """
    if not sanctions:
        return []
    if len({s.finess_ej for s in sanctions}) != 1 or len({s.base for s in sanctions}) != 1:
        raise ValueError("the yearly cap applies to one EJ and one base")
    capped = [s for s in sanctions if s.motif in ("refus", "non_atteinte") and s.calcule > 0]
    total = sum(s.calcule for s in capped)
    cap = plafond_annuel(sanctions[0].base)
    if total <= cap:
        return list(sanctions)
    keys = {_cle(s): s for s in capped}
    if len(keys) != len(capped):
        raise ValueError("duplicate sanction component")
    parts = largest_remainder({k: Fraction(s.calcule * cap, total) for k, s in keys.items()}, cap)
    note = "plafond annuel de 5 % des produits AM (L162-30-2, L162-30-4): réduction au prorata"
    out = []
    for s in sanctions:
        k = _cle(s)
        if k in keys and s.motif in ("refus", "non_atteinte") and s.calcule > 0:
            out.append(replace(s, montant=parts[k], plafond_applique=note))
        else:
            out.append(s)
    return out


def repartir_montant_final(sanctions: list[Sanction], final: int) -> list[Sanction]:
    """Spread a decided total (after observations) over the components pro rata (largest remainder)."""
    issued = {_cle(s): s for s in sanctions if s.montant > 0}
    total = sum(s.montant for s in issued.values())
    if final < 0 or final > total:
        raise ValueError(f"final amount {final} outside [0, {total}]")
    if total == 0:
        return list(sanctions)
    parts = largest_remainder({k: Fraction(s.montant * final, total) for k, s in issued.items()}, final)
    return [replace(s, montant=parts[_cle(s)]) if _cle(s) in issued else s for s in sanctions]
