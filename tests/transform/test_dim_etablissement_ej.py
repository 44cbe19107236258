"""dim_etablissement: the EJ's name and address from the legal-entities extract, the INSEE commune."""

from __future__ import annotations

import duckdb
import pytest

from .fixture_data import EJ1, EJ2, ET_A, ET_C


@pytest.fixture(scope="module")
def con(built):
    ctx, _ = built
    c = duckdb.connect(str(ctx.warehouse), read_only=True)
    yield c
    c.close()


def _ej(con, geo, annee):
    return con.execute(
        "select finess_ej, raison_sociale_ej, adresse_ej, ligne_acheminement_ej, statut_juridique_ej, siren_ej, "
        "commune_insee from marts.dim_etablissement where finess_geo = ? and annee = ?", [geo, annee]).fetchone()


def test_ej_name_and_address_from_the_extract_of_the_year_or_the_latest_before(con):
    # 2023 has no EJ extract: the 2022 one is used (rslongue, full address)
    assert _ej(con, ET_C, 2023) == (EJ2, "CLINIQUE DEUX SAS", "12B R DES LILAS, BP 12", "33000 BORDEAUX",
                                    "Société par Actions Simplifiée (S.A.S.)", "123456782", "33063")
    # 2024 has its own extract: no rslongue there, so rs; no BP
    assert _ej(con, ET_C, 2024)[1:3] == ("CLINIQUE DEUX", "12B R DES LILAS")


def test_an_ej_absent_from_the_extract_keeps_its_site_name_and_no_address(con):
    assert _ej(con, ET_A, 2023) == (EJ1, "CHU UN (siège)", None, None, None, None, "33063")
