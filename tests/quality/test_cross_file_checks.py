"""Checks that look beyond one file: contract conflicts, contract dates, completeness."""

from datetime import date

import pandas as pd

from caqes_tasks.quality.completeness import completeness_warnings, years_needed
from caqes_tasks.quality.helpers import Catalogue, Register, add_helpers, contract_rows, mark_contract_conflicts

CATALOGUE = Catalogue({}, {"V1": set(), "V2": set()}, date(2022, 7, 1), date(2024, 12, 31))


def contrats(*rows):
    cols = ["finess_ej", "volet", "statut", "date_proposition", "date_signature", "date_effet", "date_fin"]
    f = pd.DataFrame([dict(zip(cols, r)) for r in rows], columns=cols, dtype="object")
    f.insert(0, "_line", range(2, 2 + len(f)))
    return f


def test_contract_dates_must_lie_in_the_campaign_window():
    f = contrats(("330781196", "V1", "signe", date(2022, 3, 1), date(2022, 4, 1), date(2022, 7, 1), date(2024, 12, 31)),
                 ("330781196", "V2", "signe", date(2031, 1, 10), date(2031, 3, 15), date(2031, 4, 1), date(2031, 12, 31)),
                 ("640780003", "V1", "refus", date(2020, 12, 31), None, None, None),
                 ("640780003", "V2", "refus", date(2021, 1, 1), None, None, None))
    add_helpers("contrats", f, Register(), CATALOGUE)
    assert f["_dates_dans_campagne"].tolist() == [True, False, False, True]


def test_conflicting_proposals_are_flagged_with_the_other_file_and_line():
    a = contrats(("330781196", "V1", "signe", date(2022, 3, 1), date(2022, 4, 1), date(2022, 7, 1), date(2024, 12, 31)),
                 ("640780003", "V1", "refus", None, None, None, None))
    b = contrats(("330781196", "V1", "refus", date(2022, 3, 1), None, None, None),
                 ("640780003", "V1", "refus", None, None, None, None))  # the same values: no conflict
    mark_contract_conflicts(a, [("contrats/b.csv", contract_rows(b))])
    assert a["_sans_conflit"].tolist() == [False, True]
    assert a["_conflit"][0] == ("contrats/b.csv ligne 2 : statut=refus, date_signature=(vide), date_effet=(vide), "
                                "date_fin=(vide)")
    mark_contract_conflicts(b, [("contrats/a.csv", contract_rows(a))])
    assert b["_sans_conflit"].tolist() == [False, True] and b["_conflit"][0].startswith("contrats/a.csv ligne 2 : statut=signe")


def phev(*pairs):
    return pd.DataFrame({"_line": range(2, 2 + len(pairs)), "finess_geo": [p[0] for p in pairs],
                         "annee": pd.array([p[1] for p in pairs], dtype="Int64"), "indicateur": [p[2] for p in pairs]})


def test_completeness_names_the_pairs_missing_against_the_year_before():
    register = Register({2024: {"A": "EJ", "B": "EJ", "C": "EJ"}})
    earlier = [("A", 2023, "NAT_1"), ("A", 2023, "NAT_2"), ("B", 2023, "NAT_1"), ("D", 2023, "NAT_1")]
    f = phev(("A", 2024, "NAT_1"))
    assert years_needed(f) == [2023, 2024]
    (w,) = completeness_warnings("phev", f, earlier, register)
    # D left the register: not expected; B is missing entirely
    assert w.startswith("2 couple(s) établissement × indicateur présent(s) en 2023 absent(s) en 2024")
    assert "dont 1 établissement(s) absent(s) en entier : B" in w and "couples : A NAT_2, B NAT_1" in w
    # other files' rows for the year count as present; a first year has nothing to compare with
    assert completeness_warnings("phev", f, earlier + [("A", 2024, "NAT_2"), ("B", 2024, "NAT_1")], register) == []
    assert completeness_warnings("phev", phev(("A", 2020, "NAT_1")), [], register) == []
    assert completeness_warnings("contrats", f, earlier, register) == []
