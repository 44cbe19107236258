"""Text to typed values, the way ARS files write them (Excel and SAS exports).

Each parser returns ``(value, ok)``: an empty cell is ``(None, True)`` (required cells are
checked by the suites), an unreadable one ``(None, False)`` so that the raw text can be shown.
Numbers accept a decimal comma or point and spaces as thousands separators; amounts are
``Decimal`` and never pass through float; dates are ``YYYY-MM-DD`` or ``DD/MM/YYYY``.
"""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal, InvalidOperation

_SPACES = str.maketrans("", "", " \u00a0\u202f")
_INT_RE = re.compile(r"^[+-]?\d+$")
_DEC_RE = re.compile(r"^[+-]?(\d+([.,]\d*)?|[.,]\d+)$")
_ISO_RE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")
_FR_RE = re.compile(r"^(\d{2})/(\d{2})/(\d{4})$")


def parse_text(raw: str) -> tuple[str | None, bool]:
    s = raw.strip()
    return (s or None), True


def parse_int(raw: str) -> tuple[int | None, bool]:
    s = raw.strip().translate(_SPACES)
    if not s:
        return None, True
    if _INT_RE.match(s):
        return int(s), True
    return None, False


def parse_decimal(raw: str, scale: int) -> tuple[Decimal | None, bool]:
    """A decimal with at most ``scale`` decimals (more would be silently rounded: refused)."""
    s = raw.strip().translate(_SPACES)
    if not s:
        return None, True
    if not _DEC_RE.match(s):
        return None, False
    try:
        value = Decimal(s.replace(",", "."))
    except InvalidOperation:
        return None, False
    if value.as_tuple().exponent < -scale and value != value.quantize(Decimal(1).scaleb(-scale)):
        return None, False
    return value, True


def parse_date(raw: str) -> tuple[date | None, bool]:
    s = raw.strip()
    if not s:
        return None, True
    m = _ISO_RE.match(s)
    try:
        if m:
            return date(int(m[1]), int(m[2]), int(m[3])), True
        m = _FR_RE.match(s)
        if m:
            return date(int(m[3]), int(m[2]), int(m[1])), True
    except ValueError:
        return None, False
    return None, False
