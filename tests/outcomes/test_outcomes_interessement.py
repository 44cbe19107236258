"""Intéressement national and regional (rules.md §6), worked by hand and as properties."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from caqes_tasks.outcomes.interessement import (
    EnveloppeError,
    economie_cents,
    enveloppes_par_theme,
    interessement_national_cents,
    moduler,
    repartir_theme,
)
from caqes_tasks.outcomes.legal import LegalLimitError


def test_national_by_hand():
    # savings = 500 000.00 - 450 000.00 = 50 000.00 EUR = 5 000 000 cents; 30 % -> 1 500 000 cents
    eco = economie_cents(Decimal("500000.00"), Decimal("450000.00"))
    assert eco == 5_000_000
    assert interessement_national_cents(Decimal("0.30"), eco) == 1_500_000
    # spending went up: no intéressement
    assert interessement_national_cents(Decimal("0.30"), economie_cents(Decimal("100.00"), Decimal("100.01"))) == 0
    # half-up: 0.30 x 0.05 EUR = 1.5 cents -> 2 cents; 0.30 x 0.04 EUR = 1.2 cents -> 1 cent
    assert interessement_national_cents(Decimal("0.30"), 5) == 2
    assert interessement_national_cents(Decimal("0.30"), 4) == 1


def test_regional_three_ej_with_remainder_ties():
    # Envelope 1 000.00 EUR = 100 000 cents, 3 concerned EJs, weight 1 each.
    # Ceilings: 100 000 / 3 = 33 333.33.. each; floors 99 999, one cent left, the three remainders
    # tie (1/3) -> smaller finess_ej: A 33 334, B 33 333, C 33 333.
    # Scores 50.00 each: A 33 334 x 0.5 = 16 667 ; B 33 333 x 0.5 = 16 666.5 ; C = 16 666.5
    # Exact sum = 50 000 -> distributed 50 000; floors 16 667 + 16 666 + 16 666 = 49 999;
    # one cent left, B and C tie at .5 -> B (smaller finess_ej) gets it.
    a, b, c = "330000011", "330000029", "330000037"
    parts = repartir_theme("ATB", 100_000, {c: Decimal("50.00"), a: Decimal("50.00"), b: Decimal("50.00")})
    got = {p.finess_ej: (p.plafond, p.montant) for p in parts}
    assert got == {a: (33_334, 16_667), b: (33_333, 16_667), c: (33_333, 16_666)}
    assert sum(p.montant for p in parts) == 50_000


def test_regional_not_evaluable_keeps_its_place():
    # Same envelope, C not evaluable: ceilings unchanged (C keeps its place), C gets 0.
    # A 16 667, B 16 666.5 -> exact sum 33 333.5 -> distributed 33 333 = floors -> B 16 666.
    a, b, c = "330000011", "330000029", "330000037"
    parts = {p.finess_ej: p for p in repartir_theme("ATB", 100_000, {a: Decimal("50"), b: Decimal("50"), c: None})}
    assert [parts[x].montant for x in (a, b, c)] == [16_667, 16_666, 0]
    assert parts[c].plafond == 33_333 and not parts[c].evaluable


def test_regional_redistribution_of_unspent():
    # Envelope 900 cents, two EJs: ceilings 450 / 450; scores 100 and 50 -> 450 and 225, unspent 225
    # redistributed in proportion 450:225 = 2:1 -> +150 and +75 -> 600 and 300 = 900.
    parts = repartir_theme("TS", 900, {"1": Decimal("100"), "2": Decimal("50")}, redistribuer_non_consomme=True)
    assert [p.montant for p in parts] == [600, 300]


def test_envelopes_from_total_by_theme_weights():
    # 1 000.00 EUR over weights 1, 1, 1 -> 33 333.33.. cents each; ties -> smaller theme code first
    env = enveloppes_par_theme({"TOTAL": Decimal("1000.00")}, {"ATB": 1, "LES": 1, "MIPA": 1})
    assert env == {"ATB": 33_334, "LES": 33_333, "MIPA": 33_333}
    assert enveloppes_par_theme({"ATB": Decimal("12.34")}, {"ATB": 1}) == {"ATB": 1234}
    with pytest.raises(EnveloppeError):
        enveloppes_par_theme({"TOTAL": Decimal("1"), "ATB": Decimal("1")}, {"ATB": 1})
    with pytest.raises(EnveloppeError):
        enveloppes_par_theme({"NAT_PS": Decimal("1")}, {"ATB": 1})


def test_modulation_by_hand():
    # lines 1 500 000 + 0 + 266 667 = 1 766 667 cents x 0.5 = 883 333.5 -> 883 333 (rounded down)
    # exact lines 750 000, 0, 133 333.5 -> floors 883 333: nothing left to give
    out = moduler({"n1": 1_500_000, "n3": 0, "atb": 266_667}, Decimal("0.5"))
    assert out == {"n1": 750_000, "n3": 0, "atb": 133_333}
    with pytest.raises(LegalLimitError):
        moduler({"x": 1}, Decimal("1.2"))


finess = st.text("0123456789", min_size=9, max_size=9)
scores = st.one_of(st.none(), st.decimals(min_value=0, max_value=100, places=2))


@settings(max_examples=300, deadline=None)
@given(
    envelope=st.integers(0, 10**11),
    ejs=st.dictionaries(finess, scores, min_size=1, max_size=15),
    weights=st.dictionaries(finess, st.integers(1, 5)),
    redistribute=st.booleans(),
)
def test_regional_properties(envelope, ejs, weights, redistribute):
    parts = repartir_theme("T", envelope, ejs, weights, redistribute)
    total = sum(p.montant for p in parts)
    exact_sum = sum((p.exact for p in parts), Fraction(0))
    # parts sum exactly to what is distributed (the exact total rounded down), never above envelope
    assert total == int(exact_sum)
    assert total <= envelope
    assert sum(p.plafond for p in parts) == envelope
    for p in parts:
        assert type(p.montant) is int and type(p.plafond) is int and p.montant >= 0
        assert not isinstance(p.score, float)
        if not redistribute:
            assert p.montant <= p.plafond
        if not p.evaluable:
            assert p.montant == 0


@given(st.dictionaries(st.text("abc", min_size=1), st.integers(0, 10**10), min_size=1),
       st.decimals(min_value=0, max_value=1, places=6))
def test_modulation_properties(lines, coef):
    out = moduler(lines, coef)
    assert sum(out.values()) == int(sum(lines.values()) * Fraction(coef))
    assert all(type(v) is int and 0 <= v <= lines[k] for k, v in out.items())
