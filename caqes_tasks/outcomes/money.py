"""Exact money: Decimal euros at the edges, integer cents inside, exact fractions in between.

docs/rules.md §6 and §7: every amount is computed exactly and rounded once, half-up to the cent
(intéressement) or down to the cent (sanctions, modulation, allocations); a sum split into parts
uses the largest-remainder rule so the parts add up to the total exactly. Intermediate values
are ``fractions.Fraction`` (exact rationals: a third of an envelope stays a third); ``float`` is
refused everywhere.
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Mapping
from decimal import Decimal
from fractions import Fraction

Exact = Fraction | Decimal | int
CENT = Decimal("0.01")


def exact(value: Exact) -> Fraction:
    """An exact rational from a Decimal, int or Fraction; float and bool are refused."""
    if isinstance(value, bool) or not isinstance(value, (Fraction, Decimal, int)):
        raise TypeError(f"exact money needs Decimal, int or Fraction, got {type(value).__name__}")
    if isinstance(value, Decimal) and not value.is_finite():
        raise ValueError(f"not a finite amount: {value}")
    return Fraction(value)


def euros_to_cents(euros: Decimal | int) -> int:
    """Decimal euros (at most 2 decimals, as stored in DECIMAL(18,2)) -> integer cents."""
    cents = exact(euros) * 100
    if cents.denominator != 1:
        raise ValueError(f"{euros} EUR is not a whole number of cents")
    return int(cents)


def cents_to_euros(cents: int) -> Decimal:
    """Integer cents -> Decimal euros with exactly two decimals."""
    if isinstance(cents, bool) or not isinstance(cents, int):
        raise TypeError(f"cents must be int, got {type(cents).__name__}")
    return (Decimal(cents) / 100).quantize(CENT)


def floor_cents(amount_cents: Exact) -> int:
    """Round an exact non-negative amount in cents down to the cent (docs/rules.md §7, §6)."""
    value = exact(amount_cents)
    if value < 0:
        raise ValueError(f"negative amount {value} cents")
    return math.floor(value)


def half_up_cents(amount_cents: Exact) -> int:
    """Round an exact amount in cents half-up to the cent (docs/rules.md §6: intéressement amounts)."""
    value = exact(amount_cents)
    sign = -1 if value < 0 else 1
    value = abs(value)
    whole = math.floor(value)
    return sign * (whole + (1 if value - whole >= Fraction(1, 2) else 0))


def largest_remainder(exact_parts: Mapping[Hashable, Exact], total_cents: int) -> dict:
    """Split ``total_cents`` into integer parts close to ``exact_parts`` (docs/rules.md §6, step 5).

    Each key first gets its exact part rounded down to the cent; the cents still missing to reach
    ``total_cents`` go one each to the largest fractional remainders, ties to the smaller key.
    ``total_cents`` must lie between the sum of the floors and that sum plus the number of keys
    with a non-zero remainder, which holds whenever it is the exact total rounded down.
    """
    if isinstance(total_cents, bool) or not isinstance(total_cents, int):
        raise TypeError("total_cents must be int")
    parts = {k: exact(v) for k, v in exact_parts.items()}
    if any(v < 0 for v in parts.values()):
        raise ValueError("largest remainder needs non-negative parts")
    floors = {k: math.floor(v) for k, v in parts.items()}
    missing = total_cents - sum(floors.values())
    candidates = sorted((k for k in parts if parts[k] != floors[k]), key=lambda k: (-(parts[k] - floors[k]), k))
    if missing < 0 or missing > len(candidates):
        raise ValueError(f"cannot distribute {total_cents} cents over parts summing to {sum(parts.values())}")
    for k in candidates[:missing]:
        floors[k] += 1
    return floors


def prorata(weights: Mapping[Hashable, Exact], total_cents: int) -> dict:
    """Split ``total_cents`` in proportion to ``weights`` so the parts sum to it exactly."""
    w = {k: exact(v) for k, v in weights.items()}
    total_w = sum(w.values(), Fraction(0))
    if total_cents == 0 or not w:
        return {k: 0 for k in w}
    if total_w <= 0:
        raise ValueError("prorata needs a positive total weight")
    return largest_remainder({k: v * total_cents / total_w for k, v in w.items()}, total_cents)
