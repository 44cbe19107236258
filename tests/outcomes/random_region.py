"""Random regions for the property tests of the outcomes (tests/outcomes): hypothesis strategies
for an EJ's scores, national lines, contracts, produits AM, modulation and DG ARS decisions, and
the ``Entrees`` of the outcomes computation built from them."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from hypothesis import strategies as st

from caqes_tasks.outcomes import sanctions as sa
from caqes_tasks.outcomes.lecture import Entrees
from caqes_tasks.outcomes.vocabulary import ChoixDG
from caqes_tasks.referentiel import load_referentiel

REF = load_referentiel()
THEMES = REF.themes_regionaux
NATIONAUX = REF.codes("national")
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
    # refus_ancien: a refusal of an earlier year, not sanctioned again
    "contrats": st.dictionaries(st.sampled_from(VOLETS),
                                st.sampled_from(["signe", "refus", "refus_ancien", "en_cours", "absent"])),
    "volet_scores": st.dictionaries(st.sampled_from(VOLETS), score),
    "p": st.one_of(st.none(), st.integers(0, 10**12)),
    "modulation": st.one_of(st.none(), st.decimals(min_value=0, max_value=1, places=6)),
    "decisions": st.lists(decision, max_size=4, unique_by=lambda d: (d[0], d[1])),
})
ejs_strategy = st.dictionaries(st.text("0123456789", min_size=9, max_size=9), ej_strategy, min_size=1, max_size=12)


def entrees(ejs: dict, envelopes: dict) -> Entrees:
    """The outcomes' inputs of year 2023 for ``ejs`` (drawn by ``ej_strategy``) and the regional
    ``envelopes`` (theme -> cents)."""
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
                "finess_geo": geo, "finess_ej": ej, "indicateur": NATIONAUX[i], "theme": "NAT_PS", "volet": "V1",
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
    return Entrees(
        annee=2023, exercice_base=2023, evaluation=evaluation, scores=scores, contrats=contrats, et_ej={},
        produits_am={ej: d["p"] for ej, d in ejs.items() if d["p"] is not None}, produits_am_conflits=set(),
        enveloppes={t: Decimal(c) / 100 for t, c in envelopes.items()},
        modulations={ej: (d["modulation"], f"motif {ej}") for ej, d in ejs.items() if d["modulation"] is not None},
        observations={},
        decisions_dg={ej: [sa.DecisionDG(o, c, b, "motif") for o, c, b in d["decisions"]] for ej, d in ejs.items()},
    )
