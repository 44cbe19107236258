"""dbt build on the hand-made fixture (fixture_data.py): figures computed by hand."""

from __future__ import annotations

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
    assert result["tests"]["passed"] >= 30  # data tests + 8 unit tests
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
    cible, motif = one(
        con, "select cible, motif from marts.fct_ciblage where finess_geo = ? and annee = 2023 and indicateur = 'NAT_1'", ET_A
    )
    assert cible is True
    assert "base 220000.00 >= minimum 100000.00" in motif and "taux d'évolution 0.100000 > seuil 0.045000" in motif
    # 2022: no 2020 value, growth not computable -> value test only, 200000 <= 300000
    cible, motif = one(
        con, "select cible, motif from marts.fct_ciblage where finess_geo = ? and annee = 2022 and indicateur = 'NAT_1'", ET_A
    )
    assert cible is False and "non calculable" in motif
    assert one(con, "select cible from marts.fct_ciblage where finess_geo = ? and annee = 2023 and indicateur = 'CHO'", ET_B)[0]
    assert one(con, "select cible from marts.fct_ciblage where finess_geo = ? and annee = 2023 and indicateur = 'CHIR_AMBU'", ET_E)[0]
    nb, motifs = one(con, "select nb_et_cibles, motifs from marts.fct_volet_propose where finess_ej = ? and annee = 2023 and volet = 'V1'", EJ1)
    assert nb == 2 and ET_A in motifs and ET_B in motifs


def test_contract_status(con):
    assert one(
        con, "select propose, statut, en_vigueur from marts.fct_contractualisation where finess_ej = ? and annee = 2023 and volet = 'V1'", EJ2
    ) == (True, "refus", False)
    assert one(
        con, "select propose, statut, en_vigueur from marts.fct_contractualisation where finess_ej = ? and annee = 2023 and volet = 'V1'", EJ1
    ) == (True, "signe", True)


def test_attainment_half_and_not_evaluable(con):
    sous_contrat, objectif, atteinte, evaluable = one(
        con,
        "select sous_contrat, objectif, atteinte, evaluable from marts.fct_evaluation "
        "where finess_geo = ? and annee = 2023 and indicateur = 'NAT_1'",
        ET_A,
    )
    assert (sous_contrat, objectif, atteinte, evaluable) == (True, Decimal("209000"), Decimal("0.5"), True)
    atteinte, evaluable, motif = one(
        con,
        "select atteinte, evaluable, motif_non_evaluable from marts.fct_evaluation "
        "where finess_geo = ? and annee = 2023 and indicateur = 'CHO'",
        ET_B,
    )
    assert (atteinte, evaluable, motif) == (None, False, "valeur 2023 absente")
    plan = one(
        con, "select type_indicateur, atteinte, nb_engagements, nb_realises from marts.fct_evaluation "
        "where finess_geo = ? and annee = 2023 and indicateur = 'PLAN_MIPA'", ET_A
    )
    assert plan == ("plan_action", Decimal("0.666667"), 3, 2)
    # targeted but the EJ refused the volet: evaluated, not under contract
    assert one(
        con, "select sous_contrat from marts.fct_evaluation where finess_geo = ? and annee = 2023 and indicateur = 'NAT_3'", ET_C
    ) == (False,)


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
