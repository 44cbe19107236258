"""The versioned suites load into GX 1.x, are in sync with their builder, and cover the contract."""

import json

import pytest

from caqes_tasks.ingest.columns import COLUMNS
from caqes_tasks.quality.suite_builder import EXPECTATIONS_DIR, build_suite

SOURCES = ["finess", *COLUMNS]


@pytest.mark.parametrize("source", SOURCES)
def test_suite_file_is_the_built_suite(source):
    on_disk = json.loads((EXPECTATIONS_DIR / f"{source}.json").read_text(encoding="utf-8"))
    assert on_disk == json.loads(json.dumps(build_suite(source), ensure_ascii=False))
    for e in on_disk["expectations"]:
        assert e["meta"]["regle"], e


def test_suites_load_into_gx():
    import great_expectations as gx

    for source in SOURCES:
        d = json.loads((EXPECTATIONS_DIR / f"{source}.json").read_text(encoding="utf-8"))
        suite = gx.ExpectationSuite(name=d["name"], expectations=d["expectations"])
        assert len(suite.expectations) == len(d["expectations"])


def test_contract_checks_are_present():
    def types(source):
        return {(e["type"], e["kwargs"].get("column")) for e in build_suite(source)["expectations"]}

    phev = types("phev")
    for check in [("expect_column_values_to_be_in_set", "finess_geo__cle_ok"), ("expect_column_values_to_be_in_set", "_et_connu"),
                  ("expect_column_values_to_be_between", "annee"), ("expect_column_values_to_be_between", "montant_rembourse"),
                  ("expect_column_values_to_be_in_set", "volume__type_ok"), ("expect_column_values_to_be_in_set", "_num_le_den"),
                  ("expect_column_values_to_be_in_set", "indicateur"), ("expect_compound_columns_to_be_unique", None),
                  ("expect_column_to_exist", "montant_rembourse")]:
        assert check in phev, check
    assert ("expect_column_values_to_be_between", "coefficient") in types("modulations")
    assert ("expect_column_values_to_be_between", "montant") in types("enveloppes")
    assert ("expect_column_values_to_not_match_regex", "libelle") in types("engagements")
    assert ("expect_column_values_to_be_in_set", "statut") in types("contrats")
    assert ("expect_column_values_to_be_in_set", "suite") in types("observations")
    regional = types("regional")
    assert ("expect_column_values_to_be_in_set", "_valeur_dans_plage") in regional
    assert ("expect_column_values_to_be_between", "valeur") in regional  # ≥ 0 for every measure
    for source, checks in {
        "avenants": ["action", "volet", "_ej_connu", "finess_geo__cle_ok", "_et_de_l_ej", "_indicateur_du_volet",
                     "_avenant_cible", "_resiliation_sans_cible", "_signature_dans_campagne", "motif"],
        "notifications": ["document", "_ej_connu", "finess_ej__cle_ok", "_reception_apres_envoi"],
        "avis_cpam": ["sens", "_ej_connu", "finess_ej__cle_ok"],
        "decisions_dg": ["choix", "_ej_connu", "_objet_volet_connu", "_choix_compatible", "_montant_base_requis",
                         "_montant_base_positif", "_montant_base_vide", "motif"],
    }.items():
        columns = {c for _, c in types(source)}
        assert ("expect_compound_columns_to_be_unique", None) in types(source)
        for c in checks:
            assert c in columns, (source, c)
    assert ("expect_column_values_to_match_regex", "objet") in types("decisions_dg")
    assert ("expect_column_values_to_not_be_null", "motif") in types("decisions_dg")
    for source in ("notifications", "avis_cpam", "decisions_dg"):
        assert ("expect_column_values_to_be_between", "annee") in types(source)


def test_contrats_date_proposition_may_be_absent_but_is_in_the_key():
    suite = build_suite("contrats")["expectations"]
    assert not any(e["type"] == "expect_column_to_exist" and e["kwargs"]["column"] == "date_proposition" for e in suite)
    unique = next(e for e in suite if e["type"] == "expect_compound_columns_to_be_unique")
    assert unique["kwargs"]["column_list"] == ["finess_ej", "volet", "date_proposition"]


def test_every_suite_checks_readable_lines_and_contracts_their_window_and_conflicts():
    for source in SOURCES:
        flags = {e["kwargs"].get("column"): e for e in build_suite(source)["expectations"]}
        assert flags["_ligne_ok"]["meta"]["colonnes"] == ["_ligne__brut"], source
        assert flags["_champs_ok"]["meta"]["colonnes"] == ["_champs__brut"], source
    contrats = {e["kwargs"].get("column") for e in build_suite("contrats")["expectations"]}
    assert {"_dates_dans_campagne", "_sans_conflit"} <= contrats
