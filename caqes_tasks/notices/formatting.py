"""French formatting of the figures a notice shows: euros, percentages, dates, FINESS numbers.

Typography (Imprimerie nationale, as CLDR ``fr`` writes it):
- thousands are grouped with a NARROW NO-BREAK SPACE (U+202F): ``12 345,67``;
- the unit is preceded by a NO-BREAK SPACE (U+00A0): ``12 345,67 €``, ``66,67 %``;
- the decimal separator is a comma.
Both spaces are non-breaking, so a figure is never split across two lines (the PDF renderer
keeps them too). Readers that compare text should normalise U+202F and U+00A0 to a space
(``normalise_spaces``).

Money is never a float: ``euros`` refuses one. Display rounding is half-up (amounts in the
warehouse already hold exact cents, so it is the identity for them).
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal

from caqes_tasks.finess.numbers import FINESS_RE

NNBSP = "\u202f"  # thousands separator
NBSP = "\u00a0"  # before a unit (€, %)

MOIS = (
    "janvier", "février", "mars", "avril", "mai", "juin",
    "juillet", "août", "septembre", "octobre", "novembre", "décembre",
)  # fmt: skip


def normalise_spaces(text: str) -> str:
    """Text with the non-breaking spaces of this module turned into plain spaces."""
    return text.replace(NNBSP, " ").replace(NBSP, " ")


def _decimal(value: object, what: str) -> Decimal:
    if isinstance(value, float):
        raise TypeError(f"{what}: float {value!r} refused, use Decimal")
    if isinstance(value, Decimal):
        return value
    if isinstance(value, (int, str)):
        return Decimal(value)
    raise TypeError(f"{what}: cannot format {type(value).__name__}")


def nombre(value: object, decimales: int = 2, *, rogner: bool = False) -> str:
    """``Decimal('12345.678')`` → ``'12 345,68'`` (half-up). ``rogner`` drops trailing zeros."""
    d = _decimal(value, "nombre")
    q = d.quantize(Decimal(1).scaleb(-decimales), rounding=ROUND_HALF_UP) if decimales >= 0 else d
    sign = "-" if q < 0 else ""
    text = f"{abs(q):f}"
    entier, _, frac = text.partition(".")
    if rogner:
        frac = frac.rstrip("0")
    groupes = []
    while len(entier) > 3:
        groupes.insert(0, entier[-3:])
        entier = entier[:-3]
    groupes.insert(0, entier)
    out = NNBSP.join(groupes)
    if frac:
        out += "," + frac
    if sign and not out.strip("0,"):
        sign = ""  # no "-0,00"
    return sign + out


def euros(value: object) -> str:
    """``Decimal('12345.67')`` → ``'12 345,67 €'`` (always two decimals)."""
    return nombre(_decimal(value, "euros"), 2) + NBSP + "€"


def pourcent(value: object, decimales: int = 2) -> str:
    """A value already in percent: ``Decimal('66.67')`` → ``'66,67 %'`` (scores)."""
    return nombre(value, decimales) + NBSP + "%"


def taux(value: object, decimales_max: int = 4) -> str:
    """A rate as a decimal fraction, shown in percent without useless zeros:
    ``Decimal('0.01')`` → ``'1 %'``, ``Decimal('0.3')`` → ``'30 %'``, ``Decimal('0.6667')`` →
    ``'66,67 %'``."""
    return nombre(_decimal(value, "taux") * 100, decimales_max, rogner=True) + NBSP + "%"


def date_fr(value: date | datetime | str) -> str:
    """``date(2026, 11, 23)`` → ``'23 novembre 2026'``; the first of the month is ``'1er'``."""
    if isinstance(value, str):
        value = date.fromisoformat(value)
    jour = "1er" if value.day == 1 else str(value.day)
    return f"{jour} {MOIS[value.month - 1]} {value.year}"


def finess(numero: object) -> str:
    """A FINESS number as displayed in notices: its nine characters, uppercase, unspaced (so that
    it can be searched and copied as registered). Anything else is returned stripped, as is."""
    return "" if numero is None else str(numero).strip().upper()


def finess_valide(numero: object) -> bool:
    """True when the displayed number has the FINESS form ``[0-9][0-9AB][0-9]{7}``."""
    return bool(FINESS_RE.match(finess(numero)))
