"""Sanctions (L162-30-2, L162-30-3, L162-30-4): worked examples and legal-limit properties."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from caqes_tasks.outcomes import legal
from caqes_tasks.outcomes import sanctions as sa

P = 100_000_000  # produits AM 1 000 000.00 EUR, in cents


def test_refusal_is_one_percent_once_whatever_the_volets():
    # 1 % x 100 000 000 cents = 1 000 000 cents, for one or two refused volets alike
    one = sa.sanction_refus("EJ", P, ["V2"])
    two = sa.sanction_refus("EJ", P, ["V1", "V2"])
    assert one.montant == two.montant == 1_000_000
    assert sa.sanction_refus("EJ", P, []) is None
    # 1 % of 123.45 EUR = 123.45 cents -> 123 cents (rounded down)
    assert sa.sanction_refus("EJ", 12_345, ["V1"]).montant == 123


def test_refusal_alternative_liste_en_sus():
    s = sa.sanction_refus("EJ", P, ["V1"], alternative=sa.REDUCTION_LISTE_EN_SUS)
    assert (s.type_decision, s.taux, s.montant) == (sa.REDUCTION_LISTE_EN_SUS, Decimal("0.30"), 0)
    with pytest.raises(ValueError):  # the alternative needs a produits de santé volet
        sa.sanction_refus("EJ", P, ["V2"], alternative=sa.REDUCTION_LISTE_EN_SUS)


def test_non_attainment_by_hand():
    # score 66.67: 100 000 000 x 0.01 x (1 - 0.6667) = 333 300 cents
    s = sa.sanction_non_atteinte("EJ", P, "V1", Decimal("66.67"), Decimal("0.01"))
    assert s.montant == 333_300 and s.plafond == 1_000_000
    # full attainment and non-evaluable volets: no sanction
    assert sa.sanction_non_atteinte("EJ", P, "V1", Decimal("100.00"), Decimal("0.01")) is None
    assert sa.sanction_non_atteinte("EJ", P, "V1", None, Decimal("0.01")) is None
    # a rate above 1 % is refused (it would raise the per-volet limit)
    with pytest.raises(legal.LegalLimitError):
        sa.sanction_non_atteinte("EJ", P, "V1", Decimal("0"), Decimal("0.02"))


def test_non_attainment_alternatives_have_no_amount():
    s = sa.sanction_non_atteinte("EJ", P, "V1", Decimal("10"), Decimal("0.01"),
                                 alternative=sa.REDUCTION_LISTE_EN_SUS, taux_reduction=Decimal("0.30"))
    assert (s.type_decision, s.montant, s.taux) == (sa.REDUCTION_LISTE_EN_SUS, 0, Decimal("0.30"))
    with pytest.raises(legal.LegalLimitError):
        sa.sanction_non_atteinte("EJ", P, "V1", Decimal("10"), Decimal("0.01"),
                                 alternative=sa.REDUCTION_LISTE_EN_SUS, taux_reduction=Decimal("0.35"))
    m = sa.sanction_non_atteinte("EJ", P, "V2", Decimal("10"), Decimal("0.01"), alternative=sa.MISE_SOUS_ACCORD_PREALABLE)
    assert m.montant == 0 and m.type_decision == sa.MISE_SOUS_ACCORD_PREALABLE


def test_switch_off_reports_without_amount():
    s = sa.sanction_non_atteinte("EJ", P, "V1", Decimal("50"), Decimal("0.01"), active=False)
    assert s is not None and not s.active and s.montant == 0 and s.exact == Fraction(500_000)
    r = sa.sanction_refus("EJ", P, ["V2"], active=False)
    assert not r.active and r.montant == 0


def test_capes_rule_and_limit():
    assert sa.sanction_capes("EJ", P, Decimal("0.005"), "manquement").montant == 500_000
    with pytest.raises(legal.LegalLimitError):
        sa.sanction_capes("EJ", P, Decimal("0.02"), "manquement")


def test_global_cap_binds_by_hand():
    # P = 100 000 000 cents, 5 % cap = 5 000 000 cents. A campaign with six volets:
    #   refus (V7)                    1 000 000
    #   V1 score  0  -> 1 % x 1.00  = 1 000 000
    #   V2 score 50  -> 1 % x 0.50  =   500 000
    #   V3 score 25  -> 1 % x 0.75  =   750 000
    #   V4 score  0                 = 1 000 000
    #   V5 score 10  -> 1 % x 0.90  =   900 000
    #   V6 score  0                 = 1 000 000
    # total 6 150 000 > 5 000 000: each x 5 000 000 / 6 150 000 = x 100/123
    #   1 000 000 -> 813 008.130..   500 000 -> 406 504.065..   750 000 -> 609 756.097..
    #     900 000 -> 731 707.317..
    # floors: 4 x 813 008 + 406 504 + 609 756 + 731 707 = 4 999 999 ; one cent left -> largest
    # remainder .317 (V5) -> 731 708. Sum = 5 000 000 exactly.
    items = [sa.sanction_refus("EJ", P, ["V7"])]
    for volet, score in [("V1", 0), ("V2", 50), ("V3", 25), ("V4", 0), ("V5", 10), ("V6", 0)]:
        items.append(sa.sanction_non_atteinte("EJ", P, volet, Decimal(score), Decimal("0.01")))
    capped = sa.appliquer_plafond_annuel(items)
    got = {s.volet: s.montant for s in capped}
    assert got == {"V7": 813_008, "V1": 813_008, "V2": 406_504, "V3": 609_756, "V4": 813_008,
                   "V5": 731_708, "V6": 813_008}
    assert sum(got.values()) == 5_000_000
    assert all(s.plafond_applique and "5 %" in s.plafond_applique for s in capped)
    assert [s.calcule for s in capped] == [1_000_000, 1_000_000, 500_000, 750_000, 1_000_000, 900_000, 1_000_000]


def test_global_cap_not_binding_changes_nothing():
    items = [sa.sanction_refus("EJ", P, ["V2"]), sa.sanction_non_atteinte("EJ", P, "V1", Decimal("0"), Decimal("0.01"))]
    assert sa.appliquer_plafond_annuel(items) == items


@settings(max_examples=300, deadline=None)
@given(
    p=st.integers(0, 10**13),
    refused=st.lists(st.sampled_from(["V1", "V2", "V3"]), max_size=3),
    volet_scores=st.dictionaries(st.sampled_from([f"W{i}" for i in range(1, 9)]),
                                 st.one_of(st.none(), st.decimals(min_value=0, max_value=100, places=2)),
                                 max_size=8),
    taux=st.decimals(min_value=0, max_value=Decimal("0.01"), places=4),
    refus_on=st.booleans(),
    na_on=st.booleans(),
)
def test_sanction_limits_hold(p, refused, volet_scores, taux, refus_on, na_on):
    items = []
    r = sa.sanction_refus("EJ", p, refused, refus_on)
    if r:
        items.append(r)
    for v, s in volet_scores.items():
        n = sa.sanction_non_atteinte("EJ", p, v, s, taux, na_on)
        if n:
            items.append(n)
    capped = sa.appliquer_plafond_annuel(items)
    one_pct = Fraction(p, 100)
    for s in capped:
        assert type(s.montant) is int and type(s.calcule) is int and s.montant >= 0
        assert isinstance(s.taux, Decimal)
        assert s.montant <= s.calcule
        if s.motif == "non_atteinte":
            assert s.montant <= one_pct  # 1 % per volet
        if not s.active:
            assert s.montant == 0
    total = sum(s.montant for s in capped)
    assert total <= Fraction(5 * p, 100)  # 5 % per EJ-year
    if sum(s.calcule for s in capped) > sa.plafond_annuel(p):
        assert total == sa.plafond_annuel(p)  # the capped parts sum to the cap exactly


@given(st.decimals(min_value=0, max_value=1, places=4))
def test_reduction_never_above_thirty_percent(rate):
    if rate <= Decimal("0.30"):
        s = sa.sanction_non_atteinte("EJ", P, "V1", Decimal("0"), Decimal("0.01"),
                                     alternative=sa.REDUCTION_LISTE_EN_SUS, taux_reduction=rate)
        assert s.taux <= legal.PLAFOND_REDUCTION_LISTE_EN_SUS
    else:
        with pytest.raises(legal.LegalLimitError):
            sa.sanction_non_atteinte("EJ", P, "V1", Decimal("0"), Decimal("0.01"),
                                     alternative=sa.REDUCTION_LISTE_EN_SUS, taux_reduction=rate)
