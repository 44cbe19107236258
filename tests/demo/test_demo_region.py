"""The region set is Nouvelle-Aquitaine sized, complete, fast, and gives an interesting campaign."""

from collections import Counter
from decimal import Decimal

from caqes_demo.places import DEPARTEMENTS
from caqes_tasks.referentiel import load_referentiel
from demo_checks import ej_by_year, national_evaluation, national_targeted, national_values, read_finess, read_source

CATEGORIES_CAQES = {"101", "355", "292", "365", "128", "109", "129", "127", "131", "141"}


def test_generation_takes_a_few_seconds(region_demo):
    *_, seconds = region_demo
    assert seconds < 10


def test_sizes_departements_and_categories(region_demo):
    landing, result, _ = region_demo
    years = read_finess(landing)
    for annee, rows in years.items():
        assert 250 <= len(rows) <= 350, annee
        assert 150 <= len({r[1] for r in rows}) <= 250, annee
        assert {r[12] for r in rows} == set(DEPARTEMENTS)
        assert {r[17] for r in rows} == CATEGORIES_CAQES
    assert 250 <= result["etablissements"] <= 350 and 150 <= result["entites_juridiques"] <= 250
    names = {r[2] for rows in years.values() for r in rows}
    assert {"CHU BORDEAUX GH PELLEGRIN", "CHU DUPUYTREN", "INSTITUT BERGONIE"} <= names


def test_every_indicator_and_data_year_is_present(region_demo):
    landing, *_ = region_demo
    ref = load_referentiel()
    phev = read_source(landing, "phev")
    regional = read_source(landing, "regional")
    for df, codes in ((phev, ref.codes("national")), (regional, ref.codes("regional"))):
        for annee in range(2020, 2025):
            assert set(df[df.annee == str(annee)].indicateur) == set(codes)
    assert {ref.by_code[c].volet for c in regional.indicateur} == {"V1", "V2"}


def test_a_third_to_a_half_targeted_and_attainment_spread(region_demo):
    landing, *_ = region_demo
    ref = load_referentiel()
    values = national_values(landing, ref)
    ejs = ej_by_year(landing)
    spread = Counter()
    for annee in ref.annees_evaluation:
        ets = {f for (f, a) in ejs if a == annee}
        targeted = {f for f, _ in national_targeted(values, ref, annee, ets)}
        assert 0.30 <= len(targeted) / len(ets) <= 0.55, annee
        for *_, a in national_evaluation(landing, ref, annee):
            spread["non_evaluable" if a is None else "1" if a == 1 else "0" if a == 0 else "partiel"] += 1
    evaluable = spread["1"] + spread["0"] + spread["partiel"]
    for kind in ("1", "0", "partiel"):
        assert spread[kind] / evaluable > 0.15, spread
    assert spread["non_evaluable"] >= 1


def test_regional_values_sit_around_the_thresholds(region_demo):
    landing, *_ = region_demo
    ref = load_referentiel()
    regional = read_source(landing, "regional")
    for code in ref.codes("regional"):
        ind = ref.by_code[code]
        valeurs = [Decimal(v) for v in regional[regional.indicateur == code].valeur]
        beyond = sum((v > ind.seuil_valeur) if ind.sens == "lower_is_better" else (v < ind.seuil_valeur)
                     for v in valeurs)
        assert 0.05 <= beyond / len(valeurs) <= 0.5, code


def test_contracts_money_and_procedure_inputs(region_demo):
    landing, *_ = region_demo
    contrats = read_source(landing, "contrats")
    v1 = contrats[contrats.volet == "V1"]
    assert (v1.statut == "signe").sum() > 0.8 * len(v1)
    assert {"refus", "en_cours"} <= set(v1.statut)
    assert (contrats[(contrats.statut == "signe")].date_fin == "31/12/2024").all()
    assert "01/07/2022" in set(v1.date_effet)
    years = read_finess(landing)
    categories_of: dict[str, set[str]] = {}
    for rows in years.values():
        for r in rows:
            categories_of.setdefault(r[1], set()).add(r[17])
    produits = read_source(landing, "produits_am")
    for ej, montant in zip(produits.finess_ej, produits.produits_am):
        montant = Decimal(montant)
        if "101" in categories_of[ej]:
            assert montant > Decimal(200_000_000)  # CHU: hundreds of M€
        elif categories_of[ej] <= {"365", "128"}:
            assert Decimal(1_000_000) < montant < Decimal(100_000_000)  # clinics: a few M€ to tens
    env = read_source(landing, "enveloppes")
    for annee, group in env.groupby("annee"):
        total = sum(Decimal(m) for m in group.montant)
        assert Decimal(1_000_000) <= total <= Decimal(10_000_000), annee
    assert len(read_source(landing, "modulations")) >= 3
    assert len(read_source(landing, "observations", encoding="cp1252")) >= 3
