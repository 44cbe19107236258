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
from caqes_tasks.outcomes import sanctions as sa
from caqes_tasks.outcomes.lecture import Entrees
from caqes_tasks.outcomes.vocabulary import ChoixDG, TypeDecision
from caqes_tasks.referentiel import load_referentiel

REF = load_referentiel()
THEMES = REF.themes_regionaux
VOLETS = ["V1", "V2"]

score = st.one_of(st.none(), st.decimals(min_value=0, max_value=100, places=2))
amount = st.decimals(min_value=0, max_value=10**7, places=2)
decision = st.tuples(
    st.sampled_from(["refus", "non_atteinte:V1", "non_atteinte:V2", "sanction"]),
    st.sampled_from(list(ChoixDG)),
    st.one_of(st.none(), st.integers(0, 10**10)),
)
ej_strategy = st.fixed_dictionaries({
    "themes": st.dictionaries(st.sampled_from(THEMES), score, max_size=len(THEMES)),
    "national": st.lists(st.tuples(amount, amount, st.one_of(st.none(), st.decimals(min_value=0, max_value=1, places=6))),
                         max_size=3),
    "contrats": st.dictionaries(st.sampled_from(VOLETS),
                                st.sampled_from(["signe", "refus", "refus_ancien", "en_cours", "absent"])),
    "volet_scores": st.dictionaries(st.sampled_from(VOLETS), score),
    "p": st.one_of(st.none(), st.integers(0, 10**12)),
    "modulation": st.one_of(st.none(), st.decimals(min_value=0, max_value=1, places=6)),
    "decisions": st.lists(decision, max_size=4, unique_by=lambda d: (d[0], d[1])),
})


@settings(max_examples=150, deadline=None)
@given(
    ejs=st.dictionaries(st.text("0123456789", min_size=9, max_size=9), ej_strategy, min_size=1, max_size=12),
    envelopes=st.dictionaries(st.sampled_from(THEMES), st.integers(0, 10**10)),
    switches=st.fixed_dictionaries({"refus": st.booleans(), "non_atteinte": st.booleans()}),
    redistribute=st.booleans(),
    impact=st.sampled_from(["depenses", "aucun"]),
)
def test_random_region(ejs, envelopes, switches, redistribute, impact):
    ref = dataclasses.replace(REF, sanctions={**REF.sanctions, **switches}, redistribuer_non_consomme=redistribute,
                              impact_non_atteinte=impact)
    evaluation, scores, contrats = [], {}, []
    for ej, d in ejs.items():
        geo = "9" + ej[1:]
        for theme, s in d["themes"].items():
            evaluation.append({"finess_geo": geo, "finess_ej": ej, "indicateur": theme, "theme": theme, "volet": "V1",
                               "type_indicateur": "regional", "sous_contrat": True, "evaluable": s is not None,
                               "mesure": "rate", "sens": "lower_is_better", "valeur": None, "objectif": None})
            scores[(ej, "theme", theme)] = s
        for i, (montant, reference, atteinte) in enumerate(d["national"]):
            evaluation.append({
                "finess_geo": geo, "finess_ej": ej, "indicateur": f"NAT_{i + 1}", "theme": "NAT_PS", "volet": "V1",
                "type_indicateur": "national", "sous_contrat": True, "evaluable": atteinte is not None,
                "atteinte": atteinte, "mesure": "amount", "sens": "lower_is_better", "valeur": montant,
                "objectif": reference * Decimal("0.95"), "montant": montant, "montant_reference": reference,
                "debut_periode": date(2023, 1, 1), "methode_periode": "annee_civile", "montant_periode": None,
                "montant_periode_reference": None,
            })
        for volet, statut in d["contrats"].items():
            contrats.append({"finess_ej": ej, "volet": volet, "propose": True,
                             "statut": "refus" if statut == "refus_ancien" else statut,
                             "refus_a_sanctionner": statut == "refus",
                             "date_proposition": date(2022, 3, 1) if statut == "refus_ancien" else date(2023, 3, 1),
                             "en_vigueur": statut == "signe"})
        for volet, s in d["volet_scores"].items():
            scores[(ej, "volet", volet)] = s
    e = Entrees(
        annee=2023, exercice_base=2023, evaluation=evaluation, scores=scores, contrats=contrats, et_ej={},
        produits_am={ej: d["p"] for ej, d in ejs.items() if d["p"] is not None}, produits_am_conflits=set(),
        enveloppes={t: Decimal(c) / 100 for t, c in envelopes.items()},
        modulations={ej: (d["modulation"], f"motif {ej}") for ej, d in ejs.items() if d["modulation"] is not None},
        observations={},
        decisions_dg={ej: [sa.DecisionDG(o, c, b, "motif") for o, c, b in d["decisions"]] for ej, d in ejs.items()},
    )
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
