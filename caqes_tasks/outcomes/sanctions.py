"""Sanctions: refusal (L162-30-2), non-attainment (L162-30-4), CAPES (L162-30-3), 5 % cap,
and the DG ARS's choices on them (docs/rules.md §7).

Base ``P`` is the EJ's produits AM of the exercice the référentiel names (``exercice_base``), in
integer cents. Every amount is computed exactly and rounded down to the cent so no rounding lifts
it above a cap. Each path is switched on or off by the référentiel; when off, the shortfall is
still reported (``active`` False) and no amount is issued.

The DG ARS's choices (``raw.decisions_dg``) act on a computed component:
- ``reduction_liste_en_sus`` replaces the financial component by a reduction of the Assurance
  Maladie share of the liste en sus products (L162-22-7): 30 % of that base for a refusal
  (L162-30-2), ``30 % x (1 - volet score/100)`` for non-attainment (L162-30-4 allows "up to 30 %";
  this rate is the project's choice, docs/rules.md §7). It is not a financial sanction and is not
  part of the 5 % cap; the 30 % limit is its own.
- ``accord_prealable`` (L162-1-17) is an ADDITIONAL line beside the sanction, never in place of it.
- ``reduction`` keeps a lower amount (never above the computed one), ``renonciation`` waives it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal
from fractions import Fraction

from caqes_tasks.outcomes import legal
from caqes_tasks.outcomes.money import exact, floor_cents, largest_remainder
from caqes_tasks.outcomes.vocabulary import ChoixDG, MotifSanction, Plafond, TypeDecision

#: volets about produits de santé (liste en sus alternative possible): volet 1 of the template
VOLETS_PRODUITS_SANTE = frozenset({"V1"})

#: raw.decisions_dg.objet: ``refus``, ``non_atteinte:<volet>`` or the EJ-year's whole ``sanction``
OBJET_REFUS = "refus"
OBJET_NON_ATTEINTE = "non_atteinte"
OBJET_SANCTION = "sanction"


class DecisionError(ValueError):
    """A DG ARS decision line that cannot be applied (the message says why; it is reported)."""


@dataclass(frozen=True)
class DecisionDG:
    """One line of raw.decisions_dg for an EJ and a year (amount in cents)."""

    objet: str
    choix: str
    montant_base: int | None
    motif: str


@dataclass(frozen=True)
class Sanction:
    """One sanction line for an EJ and a year (amounts in cents)."""

    finess_ej: str
    motif: str  # refus | non_atteinte | capes
    volet: str | None
    base: int  # P, cents
    taux: Decimal | None  # legal or référentiel rate the amount was computed with
    exact: Fraction  # exact amount before any cap
    plafond: int | None  # per-line cap (cents)
    calcule: int  # min(exact, plafond) rounded down (0 when inactive)
    montant: int  # after the DG ARS's choice and the global cap (0 when inactive)
    type_decision: str
    active: bool
    code_plafond: Plafond | None = None  # the legal cap that limited the amount
    detail: str = ""
    score: Decimal | None = None  # volet score (non-attainment)
    impact: Fraction | None = None  # spending above target, cents (non-attainment, impact: depenses)
    date_proposition: date | None = None
    reference_article: str | None = None
    motif_dg: str | None = None
    choix_dg: str | None = None
    base_liste_en_sus: int | None = None  # liste en sus base of a reduction (cents)

    @property
    def emise(self) -> bool:
        """True when the line goes through the procedure: switched on and with an effect."""
        return self.active and (self.montant > 0 or self.type_decision == TypeDecision.MISE_SOUS_ACCORD_PREALABLE)

    @property
    def financiere(self) -> bool:
        """A financial sanction of L162-30-2 / L162-30-4, counted in the 5 % cap."""
        return self.type_decision == TypeDecision.SANCTION_FINANCIERE and self.motif in (
            MotifSanction.REFUS, MotifSanction.NON_ATTEINTE)


def voie(s: Sanction) -> str:
    """The référentiel path (``articles[].voies``) a line rests on, for its article citation."""
    if s.type_decision == TypeDecision.MISE_SOUS_ACCORD_PREALABLE:
        return "accord_prealable"
    if s.type_decision == TypeDecision.REDUCTION_LISTE_EN_SUS:
        return f"reduction_liste_en_sus_{s.motif}"
    return s.motif


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
    date_proposition: date | None = None,
) -> Sanction | None:
    """Refusal of one proposal (contract or volets): 1 % x P, fixed (L162-30-2).

    One sanction per refused proposal, whatever the number of volets refused at once; the caller
    calls it only in the proposal's year (``fct_contractualisation.refus_a_sanctionner``).
    """
    volets = sorted(set(volets_refuses))
    if not volets:
        return None
    p = _base(p)
    amount = p * exact(legal.TAUX_SANCTION_REFUS)
    calcule = floor_cents(amount) if active else 0
    when = f" du {date_proposition:%d/%m/%Y}" if date_proposition else ""
    return Sanction(
        finess_ej, MotifSanction.REFUS, ",".join(volets), p, legal.TAUX_SANCTION_REFUS, amount, None,
        calcule, calcule, TypeDecision.SANCTION_FINANCIERE, active,
        detail=f"refus de la proposition{when} (volet(s) {', '.join(volets)}): 1 % x P",
        date_proposition=date_proposition,
    )


def sanction_non_atteinte(
    finess_ej: str,
    p: int,
    volet: str,
    score: Decimal | None,
    taux: Decimal,
    active: bool = True,
    impact: Fraction | int | None = None,
    date_proposition: date | None = None,
) -> Sanction | None:
    """Non-attainment of a volet: min(P x taux x (1 - score/100), impact), capped at 1 % x P.

    L162-30-4: "proportionnelle à l'ampleur des manquements constatés et à leur impact sur les
    dépenses". ``impact`` is the volet's spending above target in cents (None when the
    référentiel sets ``sanctions.impact: aucun``: the first term alone). No sanction when the
    volet is fully attained or its score is not evaluable (None: the caller reports it).
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
    ampleur = p * exact(taux) * (1 - s / 100)
    detail = f"score du volet {score} %: P x {taux} x (1 - {score}/100)"
    if impact is not None:
        impact = exact(impact)
        if impact < 0:
            raise ValueError("negative impact")
        amount = min(ampleur, impact)
        detail += ", limité à l'impact sur les dépenses (dépenses au-delà de l'objectif)"
    else:
        amount = ampleur
    cap = plafond_volet(p)
    calcule = min(floor_cents(amount), cap) if active else 0
    code_plafond = Plafond.VOLET if active and floor_cents(amount) > cap else None
    return Sanction(
        finess_ej, MotifSanction.NON_ATTEINTE, volet, p, taux, amount, cap, calcule, calcule,
        TypeDecision.SANCTION_FINANCIERE, active, code_plafond, detail, score=score, impact=impact,
        date_proposition=date_proposition,
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
    return Sanction(finess_ej, MotifSanction.CAPES, None, p, taux, amount, cap, calcule, calcule,
                    TypeDecision.SANCTION_FINANCIERE, active, detail=motif_detail)


# -- the DG ARS's choices ---------------------------------------------------------------------


def _motif_dg(s: Sanction, motif: str) -> str:
    return motif if not s.motif_dg else f"{s.motif_dg}; {motif}"


def reduction_liste_en_sus(s: Sanction, base_liste_en_sus: int, motif: str) -> Sanction:
    """Replace a refusal or non-attainment line by a liste en sus reduction (L162-30-2, L162-30-4).

    Refusal: 30 % of the base, fixed. Non-attainment: ``30 % x (1 - volet score/100)`` (at most
    30 %, the project's choice). Only for a volet on produits de santé. Not in the 5 % cap.
    """
    if not s.financiere:
        raise DecisionError("la réduction liste en sus remplace une sanction de refus ou de non-atteinte")
    if base_liste_en_sus is None or base_liste_en_sus <= 0:
        raise DecisionError("réduction liste en sus sans montant de base (part AM des produits de la liste en sus)")
    volets = set((s.volet or "").split(","))
    if not VOLETS_PRODUITS_SANTE & volets:
        raise DecisionError(f"la réduction liste en sus concerne les produits de santé (volet "
                            f"{', '.join(sorted(VOLETS_PRODUITS_SANTE))}), pas le volet {s.volet}")
    if s.motif == MotifSanction.REFUS:
        taux = legal.TAUX_REDUCTION_LISTE_EN_SUS_REFUS
        detail = f"réduction de {taux * 100:.0f} % de la part AM des produits de la liste en sus, à la place de la sanction de refus"
    else:
        taux = legal.PLAFOND_REDUCTION_LISTE_EN_SUS * (Decimal(1) - Decimal(s.score) / Decimal(100))
        detail = (f"réduction de la part AM des produits de la liste en sus au taux de 30 % x (1 - {s.score}/100) = "
                  f"{taux}, à la place de la sanction de non-atteinte")
    legal.check_reduction_liste_en_sus(taux)
    amount = base_liste_en_sus * exact(taux)
    calcule = floor_cents(amount) if s.active else 0
    return replace(
        s, taux=taux, exact=amount,
        plafond=floor_cents(base_liste_en_sus * exact(legal.PLAFOND_REDUCTION_LISTE_EN_SUS)),
        calcule=calcule, montant=calcule, type_decision=TypeDecision.REDUCTION_LISTE_EN_SUS, code_plafond=None,
        detail=detail + "; la différence ne peut être facturée aux patients",
        motif_dg=_motif_dg(s, motif), choix_dg=ChoixDG.REDUCTION_LISTE_EN_SUS, base_liste_en_sus=base_liste_en_sus,
    )


def accord_prealable(s: Sanction, motif: str) -> Sanction:
    """Mise sous accord préalable (L162-30-4 al. 2, L162-1-17): a line IN ADDITION to ``s``."""
    if s.motif != MotifSanction.NON_ATTEINTE:
        raise DecisionError("la mise sous accord préalable suit une non-atteinte des objectifs d'un volet")
    return Sanction(
        s.finess_ej, MotifSanction.NON_ATTEINTE, s.volet, s.base, None, Fraction(0), None, 0, 0,
        TypeDecision.MISE_SOUS_ACCORD_PREALABLE, s.active,
        detail="mise sous accord préalable de prestations ou prescriptions, en plus de la sanction du volet",
        score=s.score, date_proposition=s.date_proposition, motif_dg=motif, choix_dg=ChoixDG.ACCORD_PREALABLE,
    )


def reduire(s: Sanction, retenu: int | None, motif: str) -> Sanction:
    """The DG ARS retains a lower amount ("peut"); never above the computed one."""
    if retenu is None or retenu < 0:
        raise DecisionError("réduction sans montant retenu")
    if retenu > s.montant:
        raise DecisionError(f"montant retenu {retenu / 100:.2f} EUR supérieur au montant calculé "
                            f"{s.montant / 100:.2f} EUR: non appliqué")
    return replace(s, montant=retenu, motif_dg=_motif_dg(s, motif), choix_dg=ChoixDG.REDUCTION)


def renoncer(s: Sanction, motif: str) -> Sanction:
    """The DG ARS waives the amount, with its reason."""
    return replace(s, montant=0, motif_dg=_motif_dg(s, motif), choix_dg=ChoixDG.RENONCIATION)


def _cle(s: Sanction) -> str:
    return f"{s.motif}:{s.volet or ''}:{s.type_decision}:{s.date_proposition or ''}"


def appliquer_plafond_annuel(sanctions: list[Sanction]) -> list[Sanction]:
    """Cap refusal + non-attainment sanctions of one EJ-year at 5 % x P (L162-30-2, L162-30-4).

    On the amounts after the DG ARS's choices. When the cap binds, each financial line is reduced
    pro rata; the parts are spread by largest remainder (ties: smaller key) so they sum to the cap
    exactly. CAPES, liste en sus reductions and accord préalable lines are left as they are.
    """
    if not sanctions:
        return []
    if len({s.finess_ej for s in sanctions}) != 1 or len({s.base for s in sanctions}) != 1:
        raise ValueError("the yearly cap applies to one EJ and one base")
    capped = [s for s in sanctions if s.financiere and s.montant > 0]
    total = sum(s.montant for s in capped)
    cap = plafond_annuel(sanctions[0].base)
    if total <= cap:
        return list(sanctions)
    keys = {_cle(s): s for s in capped}
    if len(keys) != len(capped):
        raise ValueError("duplicate sanction component")
    parts = largest_remainder({k: Fraction(s.montant * cap, total) for k, s in keys.items()}, cap)
    return [replace(s, montant=parts[_cle(s)], code_plafond=Plafond.ANNUEL) if _cle(s) in keys else s
            for s in sanctions]


def appliquer_decision_globale(sanctions: list[Sanction], decision: DecisionDG) -> list[Sanction]:
    """The DG ARS's reduction or waiver of the EJ-year's whole sanction (objet ``sanction``).

    ``reduction``: the retained total (never above the computed one) is spread over the lines
    pro rata by largest remainder; ``renonciation``: every line to 0.
    """
    issued = {_cle(s): s for s in sanctions if s.active and s.montant > 0}
    total = sum(s.montant for s in issued.values())
    if decision.choix == ChoixDG.RENONCIATION:
        final = 0
    elif decision.choix == ChoixDG.REDUCTION:
        if decision.montant_base is None or decision.montant_base < 0:
            raise DecisionError("réduction sans montant retenu")
        if decision.montant_base > total:
            raise DecisionError(f"montant retenu {decision.montant_base / 100:.2f} EUR supérieur au montant "
                                f"calculé {total / 100:.2f} EUR: non appliqué")
        final = decision.montant_base
    else:
        raise DecisionError(f"choix '{decision.choix}' impossible sur l'ensemble de la sanction")
    if not issued:
        raise DecisionError("aucune sanction à réduire")
    parts = largest_remainder({k: Fraction(s.montant * final, total) for k, s in issued.items()}, final)
    return [
        replace(s, montant=parts[_cle(s)], motif_dg=_motif_dg(s, decision.motif), choix_dg=decision.choix)
        if _cle(s) in issued else s
        for s in sanctions
    ]


def repartir_montant_final(sanctions: list[Sanction], final: int) -> list[Sanction]:
    """Spread a decided total (after observations) over the lines pro rata (largest remainder)."""
    issued = {_cle(s): s for s in sanctions if s.montant > 0}
    total = sum(s.montant for s in issued.values())
    if final < 0 or final > total:
        raise ValueError(f"final amount {final} outside [0, {total}]")
    if total == 0:
        return list(sanctions)
    parts = largest_remainder({k: Fraction(s.montant * final, total) for k, s in issued.items()}, final)
    return [replace(s, montant=parts[_cle(s)]) if _cle(s) in issued else s for s in sanctions]
