"""French formatting for the report: the notices' formatting (one typography for every
document the ARS publishes) plus a dash for missing figures and the report's labels."""

from __future__ import annotations

from decimal import Decimal

from caqes_tasks.notices import vocabulary as voc
from caqes_tasks.notices.formatting import date_fr, nombre, pourcent
from caqes_tasks.notices.formatting import euros as fr_euros
from caqes_tasks.outcomes.vocabulary import MotifSanction, Plafond, TypeInteressement

TYPES = {TypeInteressement.NATIONAL: "national", TypeInteressement.REGIONAL: "régional"}
MOTIFS = {MotifSanction.REFUS: "refus de signer", MotifSanction.NON_ATTEINTE: "non-atteinte des objectifs",
          MotifSanction.CAPES: "CAPES"}

ORIGINES = {"signature": "à la signature", "avenant": "par avenant"}

DASH = "–"  # shown for a missing figure


def number(value, places: int = 2) -> str:
    """``1234567.891`` → ``1 234 567,89`` (half-up); a dash for None."""
    return DASH if value is None else nombre(value, places)


def euros(value) -> str:
    return DASH if value is None else fr_euros(value)


def percent(value, places: int = 2) -> str:
    """A value already in percent (scores): ``66.67`` → ``66,67 %``."""
    return DASH if value is None else pourcent(value, places)


def ratio_percent(value, places: int = 1) -> str:
    """A decimal ratio: ``-0.05`` → ``-5,0 %``; ``0.8`` → ``80,0 %``."""
    return DASH if value is None else pourcent(Decimal(value) * 100, places)


def plain(value) -> str:
    """Decimal value without trailing zeros, French comma: ``0.450000`` → ``0,45``."""
    return DASH if value is None else nombre(value, -1, rogner=True)


def motif(code: str | None) -> str:
    return MOTIFS.get(code or "", code or "–")


def type_interessement(code: str | None) -> str:
    return TYPES.get(code or "", code or "–")


def type_decision(code: str | None) -> str:
    """fct_sanction.type_decision as the notices word it (financial sanction, liste en sus, MSAP)."""
    return voc.TYPES_DECISION.get(code or "", code or DASH)


def formule(code: str | None) -> str:
    return voc.FORMULES.get(code or "", code or DASH)


def methode_periode(code: str | None) -> str:
    return voc.METHODES_PERIODE.get(code or "", code or DASH)


def en_attente(code: str | None) -> str:
    return voc.EN_ATTENTE.get(code or "", code or DASH)


def origine(code: str | None) -> str:
    return ORIGINES.get(code or "", code or DASH)


def date(value) -> str:
    """A date in French (``1er juillet 2024``); a dash for None."""
    return DASH if value is None else date_fr(value)


def plafond(code: str | None) -> str:
    """fct_sanction.code_plafond in words: the 5 % annual cap of the EJ, the 1 % cap of a volet, or a dash."""
    if code == Plafond.ANNUEL:
        return f"plafond annuel de l'EJ ({ratio_percent(Plafond.ANNUEL.taux, 0)})"
    if code == Plafond.VOLET:
        return f"plafond du volet ({ratio_percent(Plafond.VOLET.taux, 0)})"
    return DASH
