"""Properties over random regions: many EJs, scores, envelopes, produits AM and switches."""

from __future__ import annotations

import dataclasses
from collections import defaultdict
from decimal import Decimal
from fractions import Fraction

from hypothesis import given, settings
from hypothesis import strategies as st

from caqes_tasks.outcomes import calcul
from caqes_tasks.outcomes.lecture import Entrees
from caqes_tasks.referentiel import load_referentiel

REF = load_referentiel()
THEMES = REF.themes_regionaux
VOLETS = ["V1", "V2"]

score = st.one_of(st.none(), st.decimals(min_value=0, max_value=100, places=2))
ej_strategy = st.fixed_dictionaries({
    "themes": st.dictionaries(st.sampled_from(THEMES), score, max_size=len(THEMES)),
    "contrats": st.dictionaries(st.sampled_from(VOLETS), st.sampled_from(["signe", "refus", "en_cours", "absent"])),
    "volet_scores": st.dictionaries(st.sampled_from(VOLETS), score),
    "p": st.one_of(st.none(), st.integers(0, 10**12)),
    "modulation": st.one_of(st.none(), st.decimals(min_value=0, max_value=1, places=6)),
})


@settings(max_examples=150, deadline=None)
@given(
    ejs=st.dictionaries(st.text("0123456789", min_size=9, max_size=9), ej_strategy, min_size=1, max_size=12),
    envelopes=st.dictionaries(st.sampled_from(THEMES), st.integers(0, 10**10)),
    switches=st.fixed_dictionaries({"refus": st.booleans(), "non_atteinte": st.booleans()}),
    redistribute=st.booleans(),
)
def test_random_region(ejs, envelopes, switches, redistribute):
    ref = dataclasses.replace(REF, sanctions={**REF.sanctions, **switches}, redistribuer_non_consomme=redistribute)
    evaluation, scores, contrats = [], {}, []
    for ej, d in ejs.items():
        for theme, s in d["themes"].items():
            evaluation.append({"finess_geo": "9" + ej[1:], "finess_ej": ej, "indicateur": theme, "theme": theme,
                               "type_indicateur": "regional", "sous_contrat": True})
            scores[(ej, "theme", theme)] = s
        for volet, statut in d["contrats"].items():
            contrats.append({"finess_ej": ej, "volet": volet, "propose": True, "statut": statut,
                             "en_vigueur": statut == "signe"})
        for volet, s in d["volet_scores"].items():
            scores[(ej, "volet", volet)] = s
    e = Entrees(
        annee=2023, exercice_base=2023, evaluation=evaluation, scores=scores, contrats=contrats, et_ej={},
        produits_am={ej: d["p"] for ej, d in ejs.items() if d["p"] is not None}, produits_am_conflits=set(),
        enveloppes={t: Decimal(c) / 100 for t, c in envelopes.items()},
        modulations={ej: (d["modulation"], "test") for ej, d in ejs.items() if d["modulation"] is not None},
        observations={},
    )
    rows, _, totaux = calcul.interessement_regional(e, ref)
    per_theme = defaultdict(int)
    for r in rows:
        assert type(r["montant"]) is int and r["montant"] >= 0
        per_theme[r["code"]] += r["montant"]
        if not redistribute:
            assert Decimal(r["montant"]) / 100 <= r["montant_plafond"]
    for theme, total in per_theme.items():
        assert total == totaux[theme]["distribue"] <= envelopes[theme]
    before = {id(r): r["montant"] for r in rows}
    calcul.appliquer_modulations(rows, e)
    for r in rows:
        assert r["montant"] <= before[id(r)]

    sanctions, _ = calcul.sanctions_calculees(e, ref)
    for ej, items in sanctions.items():
        p = ejs[ej]["p"]
        assert p is not None  # no base -> no sanction
        for s in items:
            assert type(s.montant) is int and not isinstance(s.taux, float)
            if s.motif == "non_atteinte":
                assert s.montant <= Fraction(p, 100)
            if not ref.sanctions[s.motif]:
                assert s.montant == 0
        assert sum(s.montant for s in items) <= Fraction(5 * p, 100)
        assert sum(1 for s in items if s.motif == "refus") <= 1
