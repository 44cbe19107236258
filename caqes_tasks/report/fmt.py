"""French number formatting for the report (exact: Decimal in, text out)."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

NNBSP = "\u202f"  # narrow no-break space: thousands separator
NBSP = "\u00a0"

STATUTS = {"signe": "signé", "refus": "refus", "en_cours": "en cours", "absent": "absent"}
TYPES = {"national": "national", "regional": "régional"}
MOTIFS = {"refus": "refus de signer", "non_atteinte": "non-atteinte des objectifs", "capes": "CAPES"}


def group(digits: str) -> str:
    out = []
    while len(digits) > 3:
        out.insert(0, digits[-3:])
        digits = digits[:-3]
    out.insert(0, digits)
    return NNBSP.join(out)


def number(value, places: int = 2) -> str:
    """``1234567.891`` → ``1 234 567,89`` (half-up); empty text for None."""
    if value is None:
        return "–"
    q = Decimal(value).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
    sign = "-" if q < 0 else ""
    text = format(abs(q), "f")
    whole, _, frac = text.partition(".")
    return sign + group(whole) + ("," + frac if frac else "")


def euros(value) -> str:
    return "–" if value is None else number(value, 2) + NBSP + "€"


def percent(value, places: int = 2) -> str:
    """A value already in percent (scores): ``66.67`` → ``66,67 %``."""
    return "–" if value is None else number(value, places) + NBSP + "%"


def ratio_percent(value, places: int = 1) -> str:
    """A decimal ratio: ``-0.05`` → ``-5,0 %``; ``0.8`` → ``80,0 %``."""
    return "–" if value is None else number(Decimal(value) * 100, places) + NBSP + "%"


def plain(value) -> str:
    """Decimal value without trailing zeros, French comma: ``0.450000`` → ``0,45``."""
    if value is None:
        return "–"
    d = Decimal(value)
    text = format(d.normalize(), "f") if d == d.to_integral_value() or d.normalize().as_tuple().exponent < 0 else format(d, "f")
    whole, _, frac = text.partition(".")
    sign = "-" if whole.startswith("-") else ""
    return sign + group(whole.lstrip("-")) + ("," + frac if frac else "")


def statut(code: str | None) -> str:
    return STATUTS.get(code or "", code or "–")


def motif(code: str | None) -> str:
    return MOTIFS.get(code or "", code or "–")


def type_interessement(code: str | None) -> str:
    return TYPES.get(code or "", code or "–")
