"""Sanctions (L162-30-2, L162-30-3, L162-30-4) and the DG ARS's choices: worked examples and
legal-limit properties (docs/rules.md §7)."""

from __future__ import annotations

import dataclasses
from datetime import date
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from caqes_tasks.outcomes import calcul, legal
from caqes_tasks.outcomes import sanctions as sa
from caqes_tasks.outcomes.lecture import Entrees
from caqes_tasks.outcomes.vocabulary import ChoixDG, Plafond, TypeDecision
from caqes_tasks.referentiel import load_referentiel

P = 100_000_000  # produits AM 1 000 000.00 EUR, in cents
REF = load_referentiel()


def test_refusal_is_one_percent_once_whatever_the_volets():
    # 1 % x 100 000 000 cents = 1 000 000 cents, for one or two refused volets alike
    one = sa.sanction_refus("EJ", P, ["V2"])
    two = sa.sanction_refus("EJ", P, ["V1", "V2"])
    assert one.montant == two.montant == 1_000_000
    assert sa.sanction_refus("EJ", P, []) is None
    # 1 % of 123.45 EUR = 123.45 cents -> 123 cents (rounded down)
    assert sa.sanction_refus("EJ", 12_345, ["V1"]).montant == 123


def test_non_attainment_by_hand():
    # score 66.67: 100 000 000 x 0.01 x (1 - 0.6667) = 333 300 cents (no impact limit)
    s = sa.sanction_non_atteinte("EJ", P, "V1", Decimal("66.67"), Decimal("0.01"))
    assert s.montant == 333_300 and s.plafond == 1_000_000
    # full attainment and non-evaluable volets: no sanction
    assert sa.sanction_non_atteinte("EJ", P, "V1", Decimal("100.00"), Decimal("0.01")) is None
    assert sa.sanction_non_atteinte("EJ", P, "V1", None, Decimal("0.01")) is None
    # a rate above 1 % is refused (it would raise the per-volet limit)
    with pytest.raises(legal.LegalLimitError):
        sa.sanction_non_atteinte("EJ", P, "V1", Decimal("0"), Decimal("0.02"))


def test_non_attainment_limited_by_its_impact_on_spending():
    # same volet, spending above target 1 234.565 EUR = 123 456.5 cents < 333 300: the impact binds
    s = sa.sanction_non_atteinte("EJ", P, "V1", Decimal("66.67"), Decimal("0.01"), impact=Fraction(246_913, 2))
    assert s.montant == 123_456 and s.impact == Fraction(246_913, 2)
    # no spending above target: nothing (the line stays, without amount)
    z = sa.sanction_non_atteinte("EJ", P, "V1", Decimal("0"), Decimal("0.01"), impact=0)
    assert z.montant == 0 and z.calcule == 0
    # an impact above the first term changes nothing; above 1 %: the per-volet cap
    big = sa.sanction_non_atteinte("EJ", P, "V1", Decimal("0"), Decimal("0.01"), impact=10**12)
    assert big.montant == 1_000_000


def _evaluation(ej, volet, indicateur, mesure, valeur, objectif, sens="lower_is_better", evaluable=True, sous_contrat=True):
    return {"finess_geo": "9" + ej[1:], "finess_ej": ej, "annee": 2023, "indicateur": indicateur, "volet": volet,
            "type_indicateur": "national", "theme": "NAT_PS", "sens": sens, "sous_contrat": sous_contrat,
            "evaluable": evaluable, "mesure": mesure, "valeur": valeur, "objectif": objectif,
            "atteinte": Decimal(0), "montant": valeur, "montant_reference": None}


def test_impact_counts_amount_rows_under_contract_only():
    rows = [
        _evaluation("E", "V1", "NAT_1", "amount", Decimal("210000.00"), Decimal("190000.004")),  # +19 999.996
        _evaluation("E", "V1", "NAT_2", "amount", Decimal("100.00"), Decimal("150.00")),  # below target: 0
        _evaluation("E", "V1", "NAT_3", "rate", Decimal("0.9"), Decimal("0.5")),  # a rate: not spending
        _evaluation("E", "V1", "NAT_4", "amount", Decimal("500.00"), Decimal("100.00"), evaluable=False),
        _evaluation("E", "V1", "NAT_5", "amount", Decimal("500.00"), Decimal("100.00"), sous_contrat=False),
        _evaluation("E", "V2", "NAT_6", "amount", Decimal("500.00"), Decimal("100.00")),  # another volet
        _evaluation("E", "V1", "X", "amount", Decimal("80.00"), Decimal("100.00"), sens="higher_is_better"),  # +20
    ]
    e = Entrees(annee=2023, exercice_base=2023, evaluation=rows, scores={}, contrats=[], et_ej={}, produits_am={},
                produits_am_conflits=set(), enveloppes={}, modulations={}, observations={})
    assert calcul.impact_depenses(e, REF, "E", "V1") == Fraction(19_999_996, 10) + 2_000  # 19 999.996 EUR + 20 EUR, in cents


def test_liste_en_sus_replaces_the_financial_line():
    refus = sa.sanction_refus("EJ", P, ["V1", "V2"], date_proposition=date(2023, 2, 1))
    # refusal: 30 % of the liste en sus base 250 000.00 EUR = 75 000.00 EUR, in place of 10 000.00
    r = sa.reduction_liste_en_sus(refus, 25_000_000, "choix du DG ARS")
    assert (r.type_decision, r.taux, r.montant, r.base_liste_en_sus) == (TypeDecision.REDUCTION_LISTE_EN_SUS, Decimal("0.30"),
                                                                          7_500_000, 25_000_000)
    assert r.motif_dg == "choix du DG ARS" and r.date_proposition == date(2023, 2, 1)
    # non-attainment: 30 % x (1 - 66.67/100) = 0.09999 of 250 000.00 = 24 997.50 EUR
    na = sa.sanction_non_atteinte("EJ", P, "V1", Decimal("66.67"), Decimal("0.01"))
    n = sa.reduction_liste_en_sus(na, 25_000_000, "m")
    assert n.taux == Decimal("0.099990") and n.montant == 2_499_750
    # only for the produits de santé volet, and with a base
    with pytest.raises(sa.DecisionError):
        sa.reduction_liste_en_sus(sa.sanction_refus("EJ", P, ["V2"]), 1, "m")
    with pytest.raises(sa.DecisionError):
        sa.reduction_liste_en_sus(na, None, "m")
    # not part of the 5 % cap (it is not the financial sanction of L162-30-2 / L162-30-4)
    assert sa.appliquer_plafond_annuel([n]) == [n]


def test_msap_is_an_additional_line():
    na = sa.sanction_non_atteinte("EJ", P, "V2", Decimal("10"), Decimal("0.01"))
    m = sa.accord_prealable(na, "prescriptions à contrôler")
    assert (m.type_decision, m.montant, m.volet, m.motif_dg) == (TypeDecision.MISE_SOUS_ACCORD_PREALABLE, 0, "V2",
                                                                  "prescriptions à contrôler")
    assert na.montant == 900_000  # the sanction itself is unchanged
    assert m.emise and sa.voie(m) == "accord_prealable"
    with pytest.raises(sa.DecisionError):
        sa.accord_prealable(sa.sanction_refus("EJ", P, ["V1"]), "m")


def test_dg_reduction_and_waiver():
    na = sa.sanction_non_atteinte("EJ", P, "V1", Decimal("50"), Decimal("0.01"))  # 500 000
    r = sa.reduire(na, 200_000, "plan d'actions engagé")
    assert (r.calcule, r.montant, r.choix_dg) == (500_000, 200_000, ChoixDG.REDUCTION)
    with pytest.raises(sa.DecisionError):  # never above the computed amount
        sa.reduire(na, 500_001, "m")
    w = sa.renoncer(na, "situation financière")
    assert (w.calcule, w.montant, w.motif_dg) == (500_000, 0, "situation financière")
    # on the whole sanction: 300 000 retained out of 1 500 000, spread pro rata (1:2)
    items = [sa.sanction_refus("EJ", P, ["V2"]), na]
    g = sa.appliquer_decision_globale(items, sa.DecisionDG("sanction", "reduction", 300_000, "m"))
    assert [s.montant for s in g] == [200_000, 100_000]
    with pytest.raises(sa.DecisionError):
        sa.appliquer_decision_globale(items, sa.DecisionDG("sanction", "reduction", 1_500_001, "m"))
    assert [s.montant for s in sa.appliquer_decision_globale(items, sa.DecisionDG("sanction", "renonciation", None, "m"))] == [0, 0]


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
    assert all(s.code_plafond == Plafond.ANNUEL for s in capped)
    assert [s.calcule for s in capped] == [1_000_000, 1_000_000, 500_000, 750_000, 1_000_000, 900_000, 1_000_000]


def test_global_cap_not_binding_changes_nothing():
    items = [sa.sanction_refus("EJ", P, ["V2"]), sa.sanction_non_atteinte("EJ", P, "V1", Decimal("0"), Decimal("0.01"))]
    assert sa.appliquer_plafond_annuel(items) == items


# -- the year's sanctions from the marts (calcul) ---------------------------------------------


def _contrat(ej, volet, statut, date_proposition, a_sanctionner=False):
    return {"finess_ej": ej, "annee": 2023, "volet": volet, "propose": True, "statut": statut,
            "en_vigueur": statut == "signe", "date_proposition": date_proposition,
            "refus_a_sanctionner": a_sanctionner}


def _entrees(contrats, scores=None, decisions=None, evaluation=None, p=P):
    ejs = {c["finess_ej"] for c in contrats}
    return Entrees(annee=2023, exercice_base=2023, evaluation=evaluation or [], scores=scores or {},
                   contrats=contrats, et_ej={}, produits_am={ej: p for ej in ejs}, produits_am_conflits=set(),
                   enveloppes={}, modulations={}, observations={}, decisions_dg=decisions or {})


def test_refusal_sanctioned_once_per_refused_proposal():
    # A refused V1 and V2 proposed on 01/02/2023: one sanction of 1 % in 2023.
    # B refused V2 proposed on 01/03/2022: sanctioned in 2022, not again in 2023 (reported).
    a = [_contrat("A", "V1", "refus", date(2023, 2, 1), True), _contrat("A", "V2", "refus", date(2023, 2, 1), True)]
    b = [_contrat("B", "V2", "refus", date(2022, 3, 1), False)]
    out, retenues = calcul.sanctions_calculees(_entrees(a + b), REF)
    assert [(s.motif, s.volet, s.montant, s.date_proposition) for s in out["A"]] == [
        ("refus", "V1,V2", 1_000_000, date(2023, 2, 1))]
    assert "L. 162-30-2" in out["A"][0].reference_article
    assert "B" not in out
    assert any(r["finess_ej"] == "B" and "pas de nouvelle sanction" in r["raison"] for r in retenues)
    # a new proposal refused in 2023 after a 2022 refusal: sanctioned again, once
    out, _ = calcul.sanctions_calculees(_entrees([_contrat("B", "V2", "refus", date(2023, 5, 1), True)]), REF)
    assert [s.montant for s in out["B"]] == [1_000_000]


def test_decisions_of_the_dg_from_the_year_inputs():
    contrats = [_contrat("A", "V1", "signe", date(2022, 3, 1)), _contrat("A", "V2", "signe", date(2022, 3, 1))]
    scores = {("A", "volet", "V1"): Decimal("50.00"), ("A", "volet", "V2"): Decimal("80.00")}
    decisions = {"A": [
        sa.DecisionDG("non_atteinte:V1", "accord_prealable", None, "prescriptions d'IPP à contrôler"),
        sa.DecisionDG("non_atteinte:V1", "reduction", 100_000, "plan d'actions engagé"),
        sa.DecisionDG("non_atteinte:V2", "reduction_liste_en_sus", 1_000_000, "volet hors produits de santé"),
        sa.DecisionDG("non_atteinte:V3", "renonciation", None, "volet inconnu"),
    ]}
    ref = dataclasses.replace(REF, impact_non_atteinte="aucun")
    out, retenues = calcul.sanctions_calculees(_entrees(contrats, scores, decisions), ref)
    lines = [(s.volet, s.type_decision, s.calcule, s.montant, s.motif_dg) for s in out["A"]]
    # V1: 1 % x 0.5 = 500 000, retained 100 000; MSAP beside it; V2: 1 % x 0.2 = 200 000, the liste en
    # sus reduction is refused (not produits de santé) and reported
    assert lines == [
        ("V1", TypeDecision.SANCTION_FINANCIERE, 500_000, 100_000, "plan d'actions engagé"),
        ("V1", TypeDecision.MISE_SOUS_ACCORD_PREALABLE, 0, 0, "prescriptions d'IPP à contrôler"),
        ("V2", TypeDecision.SANCTION_FINANCIERE, 200_000, 200_000, None),
    ]
    assert "L. 162-1-17" in out["A"][1].reference_article and "L. 162-30-4" in out["A"][1].reference_article
    raisons = {r["objet"]: r["raison"] for r in retenues}
    assert "produits de santé" in raisons["sanction:decision_dg:non_atteinte:V2"]
    assert "aucune sanction" in raisons["sanction:decision_dg:non_atteinte:V3"]


def test_exercice_base_chooses_the_produits_am_year():
    assert REF.exercice_produits_am(2023) == 2023
    assert dataclasses.replace(REF, exercice_base="N-1").exercice_produits_am(2023) == 2022


# -- legal limits as properties ---------------------------------------------------------------

score = st.one_of(st.none(), st.decimals(min_value=0, max_value=100, places=2))


@settings(max_examples=300, deadline=None)
@given(
    p=st.integers(0, 10**13),
    refused=st.lists(st.sampled_from(["V1", "V2", "V3"]), max_size=3),
    volets=st.dictionaries(st.sampled_from([f"W{i}" for i in range(1, 9)]),
                           st.tuples(score, st.one_of(st.none(), st.integers(0, 10**12)),
                                     st.sampled_from([None, "reduction", "renonciation", "accord_prealable"]),
                                     st.integers(0, 10**12)),
                           max_size=8),
    taux=st.decimals(min_value=0, max_value=Decimal("0.01"), places=4),
    refus_on=st.booleans(),
    na_on=st.booleans(),
    globale=st.one_of(st.none(), st.tuples(st.sampled_from(["reduction", "renonciation"]), st.integers(0, 10**12))),
)
def test_sanction_limits_hold(p, refused, volets, taux, refus_on, na_on, globale):
    items = []
    r = sa.sanction_refus("EJ", p, refused, refus_on)
    if r:
        items.append(r)
    for v, (s, impact, choix, retenu) in volets.items():
        n = sa.sanction_non_atteinte("EJ", p, v, s, taux, na_on, impact)
        if n is None:
            continue
        if choix == "reduction" and retenu <= n.montant:
            n = sa.reduire(n, retenu, "m")
        elif choix == "renonciation":
            n = sa.renoncer(n, "m")
        items.append(n)
        if choix == "accord_prealable":
            items.append(sa.accord_prealable(n, "m"))
    capped = sa.appliquer_plafond_annuel(items)
    if globale is not None:
        try:
            capped = sa.appliquer_decision_globale(capped, sa.DecisionDG("sanction", globale[0], globale[1], "m"))
        except sa.DecisionError:
            pass
    one_pct = Fraction(p, 100)
    for s in capped:
        assert type(s.montant) is int and type(s.calcule) is int and s.montant >= 0
        assert s.taux is None or isinstance(s.taux, Decimal)
        assert s.montant <= s.calcule
        if s.motif == "non_atteinte":
            assert s.montant <= one_pct  # 1 % per volet
            if s.impact is not None:
                assert s.montant <= s.impact  # never above the impact on spending
        if s.type_decision == TypeDecision.MISE_SOUS_ACCORD_PREALABLE:
            assert s.montant == 0
        if not s.active:
            assert s.montant == 0
    # MSAP never replaces the sanction: each accord préalable sits beside its volet's line
    for s in capped:
        if s.type_decision == TypeDecision.MISE_SOUS_ACCORD_PREALABLE:
            assert any(o.volet == s.volet and o.type_decision == TypeDecision.SANCTION_FINANCIERE for o in capped)
    total = sum(s.montant for s in capped)
    assert total <= Fraction(5 * p, 100)  # 5 % per EJ-year
    if globale is None and sum(s.montant for s in items if s.financiere) > sa.plafond_annuel(p):
        assert total == sa.plafond_annuel(p)  # the capped parts sum to the cap exactly


@settings(max_examples=200, deadline=None)
@given(
    score=st.decimals(min_value=0, max_value=Decimal("99.99"), places=2),
    base=st.integers(1, 10**12),
    motif=st.sampled_from(["refus", "non_atteinte"]),
)
def test_liste_en_sus_reduction_never_above_thirty_percent(score, base, motif):
    s = (sa.sanction_refus("EJ", P, ["V1"]) if motif == "refus"
         else sa.sanction_non_atteinte("EJ", P, "V1", score, Decimal("0.01")))
    r = sa.reduction_liste_en_sus(s, base, "m")
    assert r.taux <= legal.PLAFOND_REDUCTION_LISTE_EN_SUS
    assert r.montant <= Fraction(base * 30, 100)
    assert r.montant == int(base * Fraction(r.taux))
    if motif == "refus":
        assert r.taux == Decimal("0.30")  # fixed for a refusal (L162-30-2)


@given(st.decimals(min_value=0, max_value=1, places=4))
def test_reduction_rate_check(rate):
    if rate <= Decimal("0.30"):
        legal.check_reduction_liste_en_sus(rate)
    else:
        with pytest.raises(legal.LegalLimitError):
            legal.check_reduction_liste_en_sus(rate)
