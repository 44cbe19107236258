"""FINESS numbers: format, département and check key.

A FINESS number has nine characters ``[0-9][0-9A-Z][0-9]{7}``: the two first are the
département (``2A``/``2B`` for Corsica, ``97``/``98`` overseas), the ninth is a check key.
The key is the Luhn check over the nine digits (verified on real numbers of the official
extract, metropolitan and overseas, ET and EJ). For Corsican numbers no public source confirms
the key rule: they are accepted on format alone and the check says so.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

FINESS_RE = re.compile(r"^[0-9][0-9AB][0-9]{7}$")


def luhn_ok(digits: str) -> bool:
    """True when the digit string passes the Luhn check (last digit = key)."""
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = ord(ch) - 48
        if i % 2 == 1:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return total % 10 == 0


def luhn_key(first_eight: str) -> str:
    """The key digit that completes ``first_eight`` into a valid number."""
    for k in "0123456789":
        if luhn_ok(first_eight + k):
            return k
    raise AssertionError("unreachable: one Luhn key always exists")


@dataclass(frozen=True)
class FinessCheck:
    numero: str
    ok: bool
    reason: str  # empty when ok; for Corsica, notes that only the format was checked
    key_checked: bool


def check_finess(value: object) -> FinessCheck:
    """Check one FINESS number; the reason is a sentence an ARS reader understands."""
    numero = "" if value is None else str(value).strip()
    if not FINESS_RE.match(numero):
        return FinessCheck(numero, False, f"FINESS '{numero}' is not 9 characters of the form [0-9][0-9AB][0-9]{{7}}", False)
    if numero[:2] in ("2A", "2B"):
        return FinessCheck(numero, True, "Corsican number: format checked, key rule not confirmed", False)
    if not numero[1].isdigit():
        return FinessCheck(numero, False, f"FINESS '{numero}': letter allowed only for Corsica (2A/2B)", False)
    if numero[:2] == "00":
        return FinessCheck(numero, False, f"FINESS '{numero}': département 00 does not exist", False)
    if not luhn_ok(numero):
        return FinessCheck(numero, False, f"FINESS '{numero}' fails its check key (Luhn)", True)
    return FinessCheck(numero, True, "", True)


def is_valid_finess(value: object) -> bool:
    return check_finess(value).ok


def departement_of(numero: str) -> str:
    """Département code as written in the extract: 2 characters, overseas 97x → 9A–9J style
    is the extract's own coding, so the number's prefix is returned as is (``01``, ``2A``, ``97``)."""
    return numero[:2]
