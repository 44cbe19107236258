"""Properties over random regions: many EJs, scores, envelopes, produits AM, switches and the
DG ARS's choices (docs/rules.md §6, §7)."""

from __future__ import annotations

import dataclasses
from collections import defaultdict
from datetime import date
from decimal import Decimal
from fractions import Fraction

from hypothesis import given, settings
from hypothesis import strategies as st

from caqes_tasks.outcomes import calcul
from caqes_tasks.outcomes.vocabulary import TypeDecision

from .random_region import REF, THEMES, VOLETS, ejs_strategy, entrees

@settings(max_examples=150, deadline=None)
@given(
    ejs=ejs_strategy,
    envelopes=st.dictionaries(st.sampled_from(THEMES), st.integers(0, 10**10)),
    switches=st.fixed_dictionaries({"refus": st.booleans(), "non_atteinte": st.booleans()}),
    redistribute=st.booleans(),
    impact=st.sampled_from(["depenses", "aucun"]),
)
def test_random_region(ejs, envelopes, switches, redistribute, impact):
    ref = dataclasses.replace(REF, sanctions={**REF.sanctions, **switches}, redistribuer_non_consomme=redistribute,
                              impact_non_atteinte=impact)
    e = entrees(ejs, envelopes)
    nat, _ = calcul.interessement_national(e, ref)
    for r in nat:
        assert type(r["montant"]) is int and r["montant"] >= 0 and r["atteinte"] is not None
    rows, _, totaux = calcul.interessement_regional(e, ref)
    per_theme = defaultdict(int)
    for r in rows:
        assert type(r["montant"]) is int and r["montant"] >= 0
        per_theme[r["code"]] += r["montant"]
        if not redistribute:
            assert Decimal(r["montant"]) / 100 <= r["montant_plafond"] + Decimal("0.01")
    for theme, total in per_theme.items():
        assert total == totaux[theme]["distribue"] <= envelopes[theme]
    lines = nat + rows
    before = {id(r): r["montant"] for r in lines}
    calcul.appliquer_modulations(lines, e)
    by_ej = defaultdict(list)
    for r in lines:
        assert r["montant"] <= before[id(r)]
        by_ej[r["finess_ej"]].append(r)
    for ej, rs in by_ej.items():
        coef = ejs[ej]["modulation"]
        if coef is None:
            assert all(r["motif_modulation"] is None for r in rs)
            continue
        # the whole intéressement, national and regional lines, modulated once, rounded down
        assert all(r["coefficient_modulation"] == coef and r["motif_modulation"] == f"motif {ej}" for r in rs)
        assert sum(r["montant"] for r in rs) == int(sum(before[id(r)] for r in rs) * Fraction(coef))

    sanctions, _ = calcul.sanctions_calculees(e, ref)
    for ej, items in sanctions.items():
        p = ejs[ej]["p"]
        assert p is not None  # no base -> no sanction
        for s in items:
            assert type(s.montant) is int and not isinstance(s.taux, float)
            if s.motif == "non_atteinte" and s.type_decision == TypeDecision.SANCTION_FINANCIERE:
                assert s.montant <= Fraction(p, 100)
                assert (s.impact is None) == (impact == "aucun")
            if s.type_decision == TypeDecision.REDUCTION_LISTE_EN_SUS:
                assert s.taux <= Decimal("0.30") and s.volet and "V1" in s.volet.split(",")
            if s.type_decision == TypeDecision.MISE_SOUS_ACCORD_PREALABLE:
                assert s.montant == 0
            if not ref.sanctions[s.motif]:
                assert s.montant == 0
            assert s.reference_article
        assert sum(s.montant for s in items if s.financiere) <= Fraction(5 * p, 100)
        refusals = [s for s in items if s.motif == "refus"]
        assert len(refusals) <= 1 and all(s.date_proposition == date(2023, 3, 1) for s in refusals)
        assert not any(s.motif == "refus" for s in items) or any(ejs[ej]["contrats"].get(v) == "refus" for v in VOLETS)
