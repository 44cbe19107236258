"""The small set exercises every path of a campaign (checked from the files alone)."""

from caqes_tasks.referentiel import load_referentiel
from demo_checks import (Perimeter, ej_by_year, national_evaluation, national_targeted, national_values, read_finess,
                         read_source)


def test_small_is_small(small_demo):
    landing, result = small_demo
    years = read_finess(landing)
    ets = {r[0] for rows in years.values() for r in rows}
    ejs = {r[1] for rows in years.values() for r in rows}
    deps = {r[12] for rows in years.values() for r in rows}
    assert 10 <= len(ejs) <= 14 and 16 <= len(ets) <= 24
    assert len(deps) == 3
    assert result["etablissements"] == len(ets) and result["entites_juridiques"] == len(ejs)


def test_targeted_and_non_targeted_establishments(small_demo):
    landing, _ = small_demo
    ref = load_referentiel()
    values = national_values(landing, ref)
    ejs = ej_by_year(landing)
    for annee in ref.annees_evaluation:
        ets = {f for (f, a) in ejs if a == annee}
        targeted = {f for f, _ in national_targeted(values, ref, annee, ets)}
        assert targeted and ets - targeted, annee


def test_contract_statuses(small_demo):
    landing, _ = small_demo
    contrats = read_source(landing, "contrats")
    statuts = set(zip(contrats.volet, contrats.statut))
    assert {("V1", "signe"), ("V1", "refus"), ("V1", "en_cours"), ("V2", "signe")} <= statuts
    assert (contrats.statut == "signe").sum() > len(contrats) / 2


def test_full_partial_zero_and_not_evaluable_attainment(small_demo):
    landing, _ = small_demo
    ref = load_referentiel()
    attainments = [a for annee in ref.annees_evaluation for *_, a in national_evaluation(landing, ref, annee)]
    evaluable = [a for a in attainments if a is not None]
    assert any(a == 1 for a in evaluable)
    assert any(0 < a < 1 for a in evaluable)
    assert any(a == 0 for a in evaluable)
    assert None in attainments  # a value missing for year N: not evaluable


def test_regional_value_missing_for_a_targeted_year(small_demo):
    landing, _ = small_demo
    ref = load_referentiel()
    regional = read_source(landing, "regional")
    have = {(f, int(a), i) for f, a, i in zip(regional.finess_geo, regional.annee, regional.indicateur)}
    ejs = ej_by_year(landing)
    missing = [
        (f, a, i) for (f, a, i) in have
        if a + 1 in ref.annees_evaluation and (f, a + 1) in ejs and (f, a + 1, i) not in have
        and ref.by_code[i].seuil_valeur is not None
    ]
    assert missing


def test_modulations_observations_and_engagements(small_demo):
    landing, _ = small_demo
    ref = load_referentiel()
    modulations = read_source(landing, "modulations")
    assert len(modulations) >= 1 and (modulations.motif != "").all()
    observations = read_source(landing, "observations", encoding="cp1252")
    assert set(observations.suite) == {"maintenue", "reduite", "abandonnee"}
    contrats = read_source(landing, "contrats")
    refus = set(contrats[contrats.statut == "refus"].finess_ej)
    assert refus <= set(observations.finess_ej)
    engagements = read_source(landing, "engagements")
    assert set(engagements.realise) == {"oui", "non"}
    assert {int(a) for a in engagements.annee} == {2022, 2023, 2024}
    perimeter = Perimeter(landing, ref)
    ejs = ej_by_year(landing)
    for annee in ref.annees_evaluation:
        under_contract = {f for pairs in perimeter.in_force(annee).values() for f, _ in pairs if (f, annee) in ejs}
        assert set(engagements[engagements.annee == str(annee)].finess_geo) <= under_contract, annee
