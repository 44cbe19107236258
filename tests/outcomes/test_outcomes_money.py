"""Exact money helpers: cents, roundings, largest remainder (docs/rules.md §6.5, §7)."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from caqes_tasks.outcomes.money import (
    cents_to_euros,
    euros_to_cents,
    exact,
    floor_cents,
    half_up_cents,
    largest_remainder,
    prorata,
)


def test_cents_round_trip_and_refusals():
    assert euros_to_cents(Decimal("1234.56")) == 123456
    assert cents_to_euros(123456) == Decimal("1234.56")
    assert str(cents_to_euros(5)) == "0.05"
    with pytest.raises(ValueError):
        euros_to_cents(Decimal("0.005"))  # not a whole cent
    with pytest.raises(TypeError):
        exact(0.1)  # float refused
    with pytest.raises(TypeError):
        cents_to_euros(1.0)


def test_roundings_by_hand():
    # 2.5 cents: half-up -> 3, down -> 2
    assert half_up_cents(Fraction(5, 2)) == 3
    assert floor_cents(Fraction(5, 2)) == 2
    # 2.4999 cents -> 2 both ways
    assert half_up_cents(Decimal("2.4999")) == 2
    # 100 / 3 cents = 33.33.. -> 33
    assert floor_cents(Fraction(100, 3)) == 33
    with pytest.raises(ValueError):
        floor_cents(-1)


def test_largest_remainder_tie_goes_to_smaller_key():
    # 100 cents over three equal parts: 33.33 each, floors 99, one cent left; all remainders tie
    # -> the smallest key gets it
    parts = largest_remainder({"330000003": Fraction(100, 3), "330000001": Fraction(100, 3),
                               "330000002": Fraction(100, 3)}, 100)
    assert parts == {"330000001": 34, "330000002": 33, "330000003": 33}


def test_largest_remainder_refuses_impossible_totals():
    with pytest.raises(ValueError):
        largest_remainder({"a": Fraction(1, 2)}, 2)  # 2 cents from 0.5
    with pytest.raises(ValueError):
        largest_remainder({"a": Fraction(3, 2)}, 0)


amounts = st.dictionaries(
    st.text("0123456789", min_size=9, max_size=9),
    st.fractions(min_value=0, max_value=10**9, max_denominator=10**6),
    min_size=1, max_size=12,
)


@given(amounts)
def test_largest_remainder_sums_to_floor_of_total(parts):
    total = floor_cents(sum(parts.values(), Fraction(0)))
    out = largest_remainder(parts, total)
    assert sum(out.values()) == total
    for k, v in out.items():
        assert type(v) is int
        assert floor_cents(parts[k]) <= v <= floor_cents(parts[k]) + 1
        assert v <= parts[k] or parts[k] != int(parts[k])  # a whole part is never lifted


@given(st.dictionaries(st.text("ABC", min_size=1, max_size=3), st.integers(0, 1000), min_size=1, max_size=8),
       st.integers(0, 10**10))
def test_prorata_sums_exactly(weights, total):
    if sum(weights.values()) == 0:
        return
    out = prorata(weights, total)
    assert sum(out.values()) == total
    assert all(type(v) is int and v >= 0 for v in out.values())
