"""Intéressement national and regional (docs/rules.md §6), worked by hand and as properties."""

from __future__ import annotations

import math
from datetime import date
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from caqes_tasks.outcomes import interessement as it
from caqes_tasks.outcomes.interessement import (
    EnveloppeError,
    economie_cents,
    enveloppes_par_theme,
    interessement_national_cents,
    moduler,
    repartir_theme,
)
from caqes_tasks.outcomes.legal import LegalLimitError
from caqes_tasks.outcomes.vocabulary import Formule, MethodePeriode


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


def test_national_depends_on_attainment():
    # proportionnelle: 0.30 x 5 000 000 cents x 0.4 = 600 000 cents (6 000.00 EUR), not 15 000.00
    assert interessement_national_cents(Decimal("0.30"), 5_000_000, Decimal("0.4")) == 600_000
    # attainment 0: nothing, whatever the savings
    assert interessement_national_cents(Decimal("0.30"), 5_000_000, Decimal("0")) == 0
    # seuil 0.80: 0.79 pays nothing, 0.80 pays the whole share
    seuil = dict(formule=Formule.SEUIL, seuil_atteinte=Decimal("0.80"))
    assert interessement_national_cents(Decimal("0.30"), 5_000_000, Decimal("0.79"), **seuil) == 0
    assert interessement_national_cents(Decimal("0.30"), 5_000_000, Decimal("0.80"), **seuil) == 1_500_000
    # rounded once: 0.30 x 1 cent x 0.5 = 0.15 cent -> 0; 0.30 x 5 cents x 1/3 = 0.5 cent -> 1
    assert interessement_national_cents(Decimal("0.30"), 1, Decimal("0.5")) == 0
    assert interessement_national_cents(Decimal("0.30"), 5, Fraction(1, 3)) == 1
    with pytest.raises(ValueError):
        interessement_national_cents(Decimal("0.30"), 5, Decimal("1.01"))


def test_first_year_prorata_by_days():
    # Contract in force on 1 July 2022: [01/07/2022, 31/12/2022] = 184 days of 365, and the same
    # dates of 2021 = 184 days of 365. Yearly amounts 365 000.00 (2022) and 438 000.00 (2021):
    # savings = 438 000.00 x 184/365 - 365 000.00 x 184/365 = 73 000 x 184/365 = 36 800.00 EUR.
    periode = it.Periode(MethodePeriode.PRORATA_JOURS, date(2022, 7, 1))
    eco = it.economie_exacte(periode, 2022, Decimal("365000.00"), Decimal("438000.00"))
    assert eco == 3_680_000
    # a leap year: from 01/03/2024, 306 days of 366 in 2024 against 306 days of 365 in 2023.
    # 366.00 EUR in 2024 -> 306.00 ; 365.00 EUR in 2023 -> 306.00 : no savings, exactly
    leap = it.Periode(MethodePeriode.PRORATA_JOURS, date(2024, 3, 1))
    assert it.economie_exacte(leap, 2024, Decimal("366.00"), Decimal("365.00")) == 0
    # exact, rounded once at the end: 100.00 EUR vs 0 over 184/365 of the year
    # = 10 000 x 184/365 = 5 041.0958.. cents; x 0.30 = 1 512.33 cents -> 1 512 (half-up once)
    eco = it.economie_exacte(periode, 2022, Decimal("0.00"), Decimal("100.00"))
    assert eco == Fraction(10_000 * 184, 365)
    assert interessement_national_cents(Decimal("0.30"), eco) == 1_512
    # rounding the savings to the cent first would give 5 041 x 0.30 = 1 512.3 -> same here, but
    # 29 Feb -> 28 Feb one year earlier
    assert it.un_an_avant(date(2024, 2, 29)) == date(2023, 2, 28)
    with pytest.raises(it.EconomieError):
        it.economie_exacte(it.Periode(MethodePeriode.PRORATA_JOURS, date(2021, 7, 1)), 2022, Decimal("1"), Decimal("2"))


def test_first_year_dated_lines_and_missing_amounts():
    lignes = it.Periode(MethodePeriode.LIGNES_PHEV, date(2022, 7, 1))
    assert it.economie_exacte(lignes, 2022, Decimal("9"), Decimal("9"), Decimal("1000.00"), Decimal("1500.00")) == 50_000
    with pytest.raises(it.EconomieError):
        it.economie_exacte(lignes, 2022, Decimal("1"), Decimal("2"), None, Decimal("1"))
    with pytest.raises(it.EconomieError):
        it.economie_exacte(it.Periode(MethodePeriode.ANNEE_CIVILE, date(2022, 1, 1)), 2022, None, Decimal("1"))


@settings(max_examples=200, deadline=None)
@given(
    debut=st.dates(min_value=date(2020, 1, 1), max_value=date(2030, 12, 31)),
    montant=st.decimals(min_value=0, max_value=10**8, places=2),
    reference=st.decimals(min_value=0, max_value=10**8, places=2),
    part=st.decimals(min_value=0, max_value=1, places=2),
    atteinte=st.decimals(min_value=0, max_value=1, places=6),
)
def test_prorata_is_exact_and_rounded_once(debut, montant, reference, part, atteinte):
    n = debut.year
    periode = it.Periode(MethodePeriode.PRORATA_JOURS, debut)
    eco = it.economie_exacte(periode, n, montant, reference)
    days_n = (date(n, 12, 31) - debut).days + 1
    start = it.un_an_avant(debut)
    days_r = (date(n - 1, 12, 31) - start).days + 1
    year = lambda y: (date(y, 12, 31) - date(y, 1, 1)).days + 1  # noqa: E731
    expected = Fraction(reference * 100) * Fraction(days_r, year(n - 1)) - Fraction(montant * 100) * Fraction(days_n, year(n))
    assert eco == expected
    got = interessement_national_cents(part, eco, atteinte)
    value = Fraction(part) * max(expected, Fraction(0)) * Fraction(atteinte)
    assert got == math.floor(value + Fraction(1, 2))
    assert type(got) is int and got >= 0


def test_regional_three_ej_with_remainder_ties():
    # Envelope 1 000.00 EUR = 100 000 cents, 3 concerned EJs, weight 1 each.
    # Exact ceilings 100 000 / 3 = 33 333.33.. each; shown by largest remainder: the three
    # remainders tie (1/3) -> smaller finess_ej: A 33 334, B 33 333, C 33 333.
    # Scores 50.00 each: exact amounts 16 666.66.. each; exact sum 50 000 -> distributed 50 000;
    # floors 49 998, two cents left, remainders tie -> A and B.
    a, b, c = "330000011", "330000029", "330000037"
    parts = repartir_theme("ATB", 100_000, {c: Decimal("50.00"), a: Decimal("50.00"), b: Decimal("50.00")})
    got = {p.finess_ej: (p.plafond, p.montant) for p in parts}
    assert got == {a: (33_334, 16_667), b: (33_333, 16_667), c: (33_333, 16_666)}
    assert sum(p.montant for p in parts) == 50_000
    assert all(p.plafond_exact == Fraction(100_000, 3) for p in parts)


def test_regional_amount_from_exact_ceiling_not_rounded_one():
    # The case that made the earlier code differ by a cent: envelope 57 089.83 EUR, three EJs.
    # Exact ceiling 5 708 983 / 3 = 1 902 994.33.. ; shown 1 902 995 / 1 902 994 / 1 902 994.
    # Exact amounts: x 0.83 % = 15 794.8529.. ; x 24.51 % = 466 423.9111 ; the other not evaluable.
    # Sum 482 218.76 -> 482 218 distributed; floors 15 794 + 466 423 = 482 217; the cent left goes
    # to the largest remainder, .9111 > .8529 -> 466 424.
    # (From rounded ceilings: 1 902 995 x 0.0083 = 15 794.8585 and 1 902 994 x 0.2451 = 466 423.8294:
    # the cent would go to the first EJ -> 15 795 and 466 423.)
    a, b, c = "000000000", "000000001", "000000002"
    parts = {p.finess_ej: p for p in repartir_theme("T", 5_708_983, {a: Decimal("0.83"), b: None, c: Decimal("24.51")})}
    assert [parts[x].plafond for x in (a, b, c)] == [1_902_995, 1_902_994, 1_902_994]
    assert [parts[x].montant for x in (a, b, c)] == [15_794, 0, 466_424]


def test_regional_not_evaluable_keeps_its_place():
    # Same envelope, C not evaluable: ceilings unchanged (C keeps its place), C gets 0.
    # A and B 16 666.66.. each -> exact sum 33 333.33 -> distributed 33 333; floors 33 332, the cent
    # left goes to the tie's smaller finess (A).
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


# -- properties -------------------------------------------------------------------------------


def _reference_largest_remainder(exact: dict, total: int) -> dict:
    """Independent statement of §6 step 5: floors, then one cent each to the largest remainders,
    ties to the smaller finess_ej."""
    out = {k: math.floor(v) for k, v in exact.items()}
    left = total - sum(out.values())
    for k in sorted((k for k in exact if exact[k] != out[k]), key=lambda k: (-(exact[k] - out[k]), k))[:left]:
        out[k] += 1
    return out


def _reference_theme(envelope: int, scores: dict) -> tuple[dict, dict, dict]:
    """Exact Fraction reference of one theme, weight 1 per EJ (§6 steps 2, 3, 5)."""
    ceilings = {e: Fraction(envelope, len(scores)) for e in scores}
    amounts = {e: ceilings[e] * Fraction(s) / 100 if s is not None else Fraction(0) for e, s in scores.items()}
    shown = _reference_largest_remainder(ceilings, envelope)
    paid = _reference_largest_remainder(amounts, math.floor(sum(amounts.values(), Fraction(0))))
    return ceilings, shown, paid


finess = st.text("0123456789", min_size=9, max_size=9)
scores = st.one_of(st.none(), st.decimals(min_value=0, max_value=100, places=2))


@settings(max_examples=500, deadline=None)
@given(envelope=st.integers(0, 10**11), ejs=st.dictionaries(finess, scores, min_size=2, max_size=7))
def test_regional_equals_exact_reference(envelope, ejs):
    """Every amount is the largest-remainder split of the exact ceiling x score / 100, rounded once."""
    ceilings, shown, paid = _reference_theme(envelope, ejs)
    parts = {p.finess_ej: p for p in repartir_theme("T", envelope, ejs)}
    assert {e: p.montant for e, p in parts.items()} == paid
    assert {e: p.plafond for e, p in parts.items()} == shown
    assert {e: p.plafond_exact for e, p in parts.items()} == ceilings
    total = sum(p.montant for p in parts.values())
    assert total == math.floor(sum((p.exact for p in parts.values()), Fraction(0))) <= envelope
    assert sum(p.plafond for p in parts.values()) == envelope
    for e, p in parts.items():
        assert p.montant <= math.ceil(ceilings[e])
        assert abs(p.montant - p.exact) < 1
        if ejs[e] is None:
            assert p.montant == 0


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
    w = {p.finess_ej: weights.get(p.finess_ej, 1) for p in parts}
    for p in parts:
        assert type(p.montant) is int and type(p.plafond) is int and p.montant >= 0
        assert p.plafond_exact == Fraction(envelope * w[p.finess_ej], sum(w.values()))
        assert not isinstance(p.score, float)
        if not redistribute:
            assert p.exact <= p.plafond_exact and p.montant <= math.ceil(p.plafond_exact)
        if not p.evaluable:
            assert p.montant == 0


@given(st.dictionaries(st.text("abc", min_size=1), st.integers(0, 10**10), min_size=1),
       st.decimals(min_value=0, max_value=1, places=6))
def test_modulation_properties(lines, coef):
    out = moduler(lines, coef)
    assert sum(out.values()) == int(sum(lines.values()) * Fraction(coef))
    assert all(type(v) is int and 0 <= v <= lines[k] for k, v in out.items())
