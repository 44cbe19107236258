"""dbt build on the hand-made fixture (fixture_data.py): figures computed by hand."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest

from caqes_tasks.transform.runner import MARTS

from .fixture_data import EJ1, EJ2, EJ3, EJ4, ET_A, ET_B, ET_C, ET_D, ET_E

# docs/architecture.md: the columns other stages code against (a mart may have more).
ARCHITECTURE_COLUMNS = {
    "dim_etablissement": "finess_geo, finess_ej, annee, raison_sociale, raison_sociale_ej, departement, categorie, libelle_categorie",
    "fct_indicateur": "finess_geo, finess_ej, annee, indicateur, type_indicateur, volet, theme, mesure, sens, valeur, montant, base, valeur_reference, montant_reference, taux_evolution",
    "fct_ciblage": "finess_geo, finess_ej, annee, indicateur, type_indicateur, volet, theme, annee_reference, valeur_ciblage, base_ciblage, taux_evolution_ciblage, min_base, max_taux_evolution, seuil_valeur, cible, motif",
    "fct_volet_propose": "finess_ej, annee, volet, nb_et_cibles, motifs",
    "fct_contractualisation": "finess_ej, annee, volet, propose, statut, en_vigueur, date_signature, date_effet, date_fin",
    "fct_evaluation": "finess_geo, finess_ej, annee, indicateur, type_indicateur, volet, theme, sens, sous_contrat, valeur, valeur_reference, objectif, montant, montant_reference, atteinte, evaluable, motif_non_evaluable",
    "fct_score": "finess_ej, annee, niveau, code, volet, score, evaluable, nb_elements",
    "fct_perimetre": "finess_ej, volet, finess_geo, indicateur, annee, type_indicateur, theme, origine, date_proposition, annee_reference_ciblage, date_avenant, motif_origine",
}

# Columns added by revision 2 of the rules, at the end of the marts other stages read.
REVISION2_COLUMNS = {
    "fct_ciblage": ["dans_perimetre"],
    "fct_contractualisation": ["date_proposition", "refus_a_sanctionner", "date_resiliation"],
    "fct_evaluation": ["mesure", "origine_perimetre", "debut_periode", "methode_periode", "montant_periode",
                       "montant_periode_reference", "motif_hors_contrat"],
}


@pytest.fixture(scope="module")
def con(built):
    ctx, _ = built
    c = duckdb.connect(str(ctx.warehouse), read_only=True)
    yield c
    c.close()


def one(con, sql, *params):
    rows = con.execute(sql, params).fetchall()
    assert len(rows) == 1, (sql, params, rows)
    return rows[0]


def test_stage_result(built):
    ctx, result = built
    assert set(result["rows"]) == set(MARTS)
    assert all(result["rows"][m] > 0 for m in MARTS), result["rows"]
    assert result["tests"]["failed"] == 0
    assert result["tests"]["passed"] >= 30  # data tests + unit tests
    # the dbt unit tests of the models' YAML ran in that build, and passed
    import json

    ran = json.loads(Path(result["outputs"]["run_results"]).read_text(encoding="utf-8"))["results"]
    unit = {r["unique_id"].split(".")[-1]: r["status"] for r in ran if r["unique_id"].startswith("unit_test.")}
    assert len(unit) >= 20 and set(unit.values()) == {"pass"}, unit
    docs = Path(result["outputs"]["docs"])
    assert docs.name == "index.html" and docs.is_file()
    assert docs.is_relative_to(ctx.run_dir / "dbt")


def test_marts_have_the_architecture_columns_and_types(con):
    for mart, cols in ARCHITECTURE_COLUMNS.items():
        described = con.execute(f"describe marts.{mart}").fetchall()
        names = [r[0] for r in described]
        expected = [c.strip() for c in cols.split(",")]
        assert names[: len(expected)] == expected, mart
    types = {r[0]: r[1] for r in con.execute("describe marts.fct_evaluation").fetchall()}
    assert types["montant"] == "DECIMAL(18,2)" and types["atteinte"] == "DECIMAL(18,6)"
    types = {r[0]: r[1] for r in con.execute("describe marts.fct_score").fetchall()}
    assert types["score"] == "DECIMAL(5,2)"
    for mart, cols in REVISION2_COLUMNS.items():
        names = [r[0] for r in con.execute(f"describe marts.{mart}").fetchall()]
        assert names[-len(cols):] == cols, mart
    types = {r[0]: r[1] for r in con.execute("describe marts.fct_evaluation").fetchall()}
    assert types["debut_periode"] == "DATE" and types["montant_periode"] == "DECIMAL(18,2)"


def test_register_attachment_per_year(con):
    rows = dict(
        (annee, (ej, reg))
        for annee, ej, reg in con.execute(
            "select annee, finess_ej, annee_registre from marts.dim_etablissement where finess_geo = ?", [ET_D]
        ).fetchall()
    )
    assert rows[2022] == (EJ3, 2022)
    assert rows[2023] == (EJ3, 2022)  # no 2023 extract: the latest before
    assert rows[2024] == (EJ4, 2024)
    assert rows[2021] == (EJ3, 2022)  # before every extract: the earliest after
    assert one(con, "select raison_sociale_ej from marts.dim_etablissement where finess_geo = ? and annee = 2023", ET_A)[0] == "CHU UN (siège)"


def test_indicator_values_and_evolution(con):
    valeur, base, ref, taux = one(
        con,
        "select valeur, base, valeur_reference, taux_evolution from marts.fct_indicateur "
        "where finess_geo = ? and annee = 2022 and indicateur = 'NAT_1'",
        ET_A,
    )
    assert (valeur, base, ref, taux) == (Decimal("220000"), Decimal("220000"), Decimal("200000"), Decimal("0.1"))
    # rate indicator: numerateur / denominateur, base = denominateur
    assert one(
        con, "select valeur, base from marts.fct_indicateur where finess_geo = ? and annee = 2022 and indicateur = 'NAT_3'", ET_C
    ) == (Decimal("0.700000"), Decimal("1000.00"))


def test_targeted_et_and_reasons(con):
    cible, motif, dans = one(
        con, "select cible, motif, dans_perimetre from marts.fct_ciblage where finess_geo = ? and annee = 2023 and indicateur = 'NAT_1'", ET_A
    )
    assert cible is True and dans is True
    assert "base 220000.00 >= minimum 100000.00" in motif
    assert "évolution des dépenses de 2021 à 2022 : 0.100000 > seuil 0.045000" in motif
    # 2022: spending 2021 / 2020 = 200000 / 180000 - 1 = 0.111111
    cible, motif = one(
        con, "select cible, motif from marts.fct_ciblage where finess_geo = ? and annee = 2022 and indicateur = 'NAT_1'", ET_A
    )
    assert cible is True and "0.111111 > seuil 0.045000" in motif
    # growth not computable (no 2020 amount): value test only
    cible, motif = one(
        con, "select cible, motif from marts.fct_ciblage where finess_geo = ? and annee = 2022 and indicateur = 'NAT_6'", ET_C
    )
    assert cible is False and "évolution des dépenses non calculable (montant 2020 absent ou nul)" in motif
    # ET_B CHO 2022 = 0.55: no longer targeted for 2023, still in the perimeter of the signature
    assert one(
        con, "select cible, dans_perimetre from marts.fct_ciblage where finess_geo = ? and annee = 2023 and indicateur = 'CHO'", ET_B
    ) == (False, True)
    assert one(con, "select cible from marts.fct_ciblage where finess_geo = ? and annee = 2023 and indicateur = 'CHIR_AMBU'", ET_E)[0]
    # targeted 2023 but EJ2 refused V1: a candidate, not in any perimeter
    assert one(
        con, "select cible, dans_perimetre from marts.fct_ciblage where finess_geo = ? and annee = 2023 and indicateur = 'NAT_3'", ET_C
    ) == (True, False)
    nb, motifs = one(con, "select nb_et_cibles, motifs from marts.fct_volet_propose where finess_ej = ? and annee = 2023 and volet = 'V1'", EJ1)
    assert nb == 1 and ET_A in motifs and ET_B not in motifs


def test_targeting_growth_is_on_spending_for_a_share_indicator(con):
    # NAT_6 (share): value 0.18 -> 0.166667 fell, spending 90000 -> 100000 rose by 0.111111 > 0.022
    valeur, taux_valeur, taux_depenses = one(
        con, "select valeur, taux_evolution, taux_evolution_depenses from marts.fct_indicateur "
        "where finess_geo = ? and annee = 2022 and indicateur = 'NAT_6'", ET_C
    )
    assert valeur == Decimal("0.166667") and taux_valeur < 0 and taux_depenses == Decimal("0.111111")
    cible, taux, motif = one(
        con, "select cible, taux_evolution_ciblage, motif from marts.fct_ciblage "
        "where finess_geo = ? and annee = 2023 and indicateur = 'NAT_6'", ET_C
    )
    assert cible is True and taux == Decimal("0.111111")
    assert "évolution des dépenses de 2021 à 2022 : 0.111111 > seuil 0.022000" in motif
    assert "valeur 0.166667 <= seuil 0.200000" in motif


def test_perimeter_from_signature_and_avenants(con):
    rows = {
        (geo, ind, annee): (ej, volet, origine, str(date_prop), ref, date_av, motif)
        for ej, volet, geo, ind, annee, origine, date_prop, ref, date_av, motif in con.execute(
            "select finess_ej, volet, finess_geo, indicateur, annee, origine, date_proposition, "
            "annee_reference_ciblage, date_avenant, motif_origine from marts.fct_perimetre"
        ).fetchall()
    }
    signature = (EJ1, "V1", "signature", "2022-03-01", 2021, None, "ciblé sur 2021 à la proposition du 01/03/2022")
    for annee in (2022, 2023, 2024):
        assert rows[(ET_A, "NAT_1", annee)] == signature
        assert rows[(ET_B, "CHO", annee)] == signature  # kept although not targeted for 2023
    # retrait signed 15/11/2023: in force in 2023, out from 2024
    assert (ET_A, "MIPA", 2023) in rows and (ET_A, "MIPA", 2024) not in rows
    # ajout signed 12/10/2022: from 1 January 2023, not in 2022
    assert (ET_B, "ATB", 2022) not in rows
    assert rows[(ET_B, "ATB", 2023)][2:6] == ("avenant", "2022-03-01", None, date(2022, 10, 12))
    assert rows[(ET_B, "ATB", 2023)][6].startswith("avenant d'ajout signé le 12/10/2022, effet au 01/01/2023")
    # EJ2 V2 without a proposal date, résiliation signed 10/05/2023: ends 31/12/2023
    assert rows[(ET_E, "CHIR_AMBU", 2023)][:4] == (EJ2, "V2", "signature", "2022-07-01")
    assert "date de proposition non fournie" in rows[(ET_E, "CHIR_AMBU", 2023)][6]
    assert (ET_E, "CHIR_AMBU", 2024) not in rows
    # targeted for 2023 only (EJ2 refused V1): never in a perimeter
    assert not [k for k in rows if k[0] == ET_C]


def test_contract_status(con):
    assert one(
        con, "select propose, statut, en_vigueur from marts.fct_contractualisation where finess_ej = ? and annee = 2023 and volet = 'V1'", EJ2
    ) == (True, "refus", False)
    assert one(
        con, "select propose, statut, en_vigueur from marts.fct_contractualisation where finess_ej = ? and annee = 2023 and volet = 'V1'", EJ1
    ) == (True, "signe", True)


def test_refusal_sanctioned_in_its_proposal_year_only(con):
    rows = con.execute(
        "select annee, statut, date_proposition, refus_a_sanctionner from marts.fct_contractualisation "
        "where finess_ej = ? and volet = 'V1' order by annee", [EJ2]
    ).fetchall()
    assert rows == [
        (2022, "refus", date(2022, 3, 1), True),
        (2023, "refus", date(2022, 3, 1), False),
        (2024, "refus", date(2024, 2, 1), True),
    ]


def test_resiliation_ends_the_volet_on_31_december(con):
    rows = con.execute(
        "select annee, en_vigueur, date_proposition, date_resiliation from marts.fct_contractualisation "
        "where finess_ej = ? and volet = 'V2' order by annee", [EJ2]
    ).fetchall()
    end = date(2023, 12, 31)
    assert rows == [(2022, True, date(2022, 7, 1), end), (2023, True, date(2022, 7, 1), end), (2024, False, date(2022, 7, 1), end)]


def test_attainment_half_and_not_evaluable(con):
    sous_contrat, objectif, atteinte, evaluable, origine = one(
        con,
        "select sous_contrat, objectif, atteinte, evaluable, origine_perimetre from marts.fct_evaluation "
        "where finess_geo = ? and annee = 2023 and indicateur = 'NAT_1'",
        ET_A,
    )
    assert (sous_contrat, objectif, atteinte, evaluable, origine) == (True, Decimal("209000"), Decimal("0.5"), True, "signature")
    # in the perimeter, not targeted for 2023: still evaluated
    atteinte, evaluable, motif = one(
        con,
        "select atteinte, evaluable, motif_non_evaluable from marts.fct_evaluation "
        "where finess_geo = ? and annee = 2023 and indicateur = 'CHO'",
        ET_B,
    )
    assert (atteinte, evaluable, motif) == (None, False, "valeur 2023 absente")
    plan = one(
        con, "select type_indicateur, atteinte, nb_engagements, nb_realises, sous_contrat, motif_hors_contrat "
        "from marts.fct_evaluation where finess_geo = ? and annee = 2023 and indicateur = 'PLAN_MIPA'", ET_A
    )
    assert plan == ("plan_action", Decimal("0.666667"), 3, 2, True, None)
    # targeted but the EJ refused the volet: not in any perimeter, not evaluated
    assert con.execute(
        "select count(*) from marts.fct_evaluation where finess_geo = ? and indicateur = 'NAT_3'", [ET_C]
    ).fetchone()[0] == 0
    # the rows of a year are the perimeter in force, plus the action plans
    assert con.execute(
        "select count(*) from marts.fct_evaluation e where type_indicateur <> 'plan_action' and not exists ("
        "select 1 from marts.fct_perimetre p where p.finess_geo = e.finess_geo and p.annee = e.annee "
        "and p.indicateur = e.indicateur and p.finess_ej = e.finess_ej)"
    ).fetchone()[0] == 0


def test_action_plan_counts_only_on_a_contracted_theme(con):
    # ATB is not in ET_A's perimeter (it is in ET_B's): reported, not scored
    sous_contrat, motif = one(
        con, "select sous_contrat, motif_hors_contrat from marts.fct_evaluation "
        "where finess_geo = ? and annee = 2023 and indicateur = 'PLAN_ATB'", ET_A
    )
    assert sous_contrat is False
    assert motif == "aucun indicateur du thème ATB au périmètre contractuel de l'ET en 2023 : engagements rapportés, non évalués"
    # MIPA left ET_A's perimeter on 1 January 2024
    assert one(
        con, "select sous_contrat from marts.fct_evaluation where finess_geo = ? and annee = 2024 and indicateur = 'PLAN_MIPA'", ET_A
    ) == (False,)


def test_national_savings_period(con):
    rows = {
        (ind, annee): (debut, methode, periode, reference)
        for ind, annee, debut, methode, periode, reference in con.execute(
            "select indicateur, annee, debut_periode, methode_periode, montant_periode, montant_periode_reference "
            "from marts.fct_evaluation where finess_geo = ? and type_indicateur = 'national'", [ET_A]
        ).fetchall()
    }
    # first year from date_effet 01/07/2022; lines in 2021 and 2022: July-December of each year
    assert rows[("NAT_1", 2022)] == (date(2022, 7, 1), "lignes_phev", Decimal("4500.00"), Decimal("2500.00"))
    # no lines: prorated by days downstream
    assert rows[("NAT_2", 2022)] == (date(2022, 7, 1), "prorata_jours", None, None)
    assert rows[("NAT_1", 2023)] == (date(2023, 1, 1), "annee_civile", None, None)
    assert one(
        con, "select debut_periode, methode_periode from marts.fct_evaluation where finess_geo = ? and annee = 2023 and indicateur = 'MIPA'", ET_A
    ) == (None, None)


def test_scores(con):
    scores = {
        (niveau, code): (score, evaluable)
        for niveau, code, score, evaluable in con.execute(
            "select niveau, code, score, evaluable from marts.fct_score where finess_ej = ? and annee = 2023", [EJ1]
        ).fetchall()
    }
    assert scores[("theme", "NAT_PS")] == (Decimal("50.00"), True)
    assert scores[("theme", "MIPA")] == (Decimal("83.33"), True)  # (1 + 0.666667) / 2
    assert scores[("theme", "IATRO")] == (None, False)  # CHO not evaluable
    assert scores[("theme", "ATB")] == (None, False)  # ATB added by avenant, no values
    assert scores[("volet", "V1")] == (Decimal("66.67"), True)  # (50.00 + 83.33) / 2 = 66.665
    assert scores[("contrat", "2022-2024")] == (Decimal("66.67"), True)
    # EJ2 refused V1: no V1 score
    assert con.execute(
        "select count(*) from marts.fct_score where finess_ej = ? and volet = 'V1'", [EJ2]
    ).fetchone()[0] == 0


def test_phev_lines_feed_combines_with_phev(con):
    # ET_D NAT_4 only in the line feed: 30000.00 + 30000.50, volume 10 + 5
    assert one(
        con, "select montant, volume, source_valeur from marts.fct_indicateur where finess_geo = ? and annee = 2022 and indicateur = 'NAT_4'", ET_D
    ) == (Decimal("60000.50"), 15, "phev_lines")
    # ET_A NAT_1 2022 is in both feeds: the aggregated phev row wins
    assert one(
        con, "select montant, source_valeur from marts.fct_indicateur where finess_geo = ? and annee = 2022 and indicateur = 'NAT_1'", ET_A
    ) == (Decimal("220000.00"), "phev")
