"""The FINESS extracts have the official layout and valid, distinct numbers."""

import csv
import io
import re
from datetime import date

import pytest

from caqes_demo.categories import CATEGORIES
from caqes_demo.places import DEPARTEMENTS
from caqes_tasks.finess.numbers import check_finess
from demo_checks import read_finess, read_source

# Two lines of the official extract (etalab cs1100502 stock, 2026-05-12), verbatim.
OFFICIAL = (
    "finess;etalab;111;2026-05-12\n"
    "structureet;010000024;010780054;CH DE FLEYRIAT;CENTRE HOSPITALIER DE BOURG-EN-BRESSE FLEYRIAT;;;900;RTE;"
    "DE PARIS;;;451;01;AIN;01440 VIRIAT;0474454647;0474454114;355;Centre Hospitalier (C.H.);1102;"
    "Centres Hospitaliers;26010004500012;8610Z;03;ARS établissements Publics de santé dotation globale;1;"
    "Etablissement public de santé;1979-02-13;1979-02-13;2020-02-04;\n"
)
FIRST_LINE = re.compile(r"^finess;etalab;\d+;(\d{4}-\d{2}-\d{2})$")
ISO = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def _parse(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text, newline=""), delimiter=";"))


@pytest.fixture(scope="module", params=["small", "region"])
def landing(request):
    return request.getfixturevalue(f"{request.param}_demo")[0]


def test_layout_is_the_official_one(landing):
    official = _parse(OFFICIAL)
    for path in sorted((landing / "finess").glob("*.csv")):
        text = path.read_bytes().decode("utf-8")
        assert not text.startswith("\ufeff") and "\r" not in text
        first, *_ = text.split("\n", 1)
        match = FIRST_LINE.match(first)
        assert match, first
        assert path.name == f"etalab-cs1100507-stock-{match.group(1)}.csv"
        assert match.group(1).endswith("-12-31")
        rows = _parse(text)
        assert len(rows[0]) == len(official[0])
        kinds = [r[0] for r in rows[1:]]
        assert set(kinds) == {"structureet", "geolocalisation"}
        assert kinds == sorted(kinds, key=lambda k: k != "structureet")  # structures, then coordinates
        lines = text.splitlines()[1:]
        structures = [r for r in rows[1:] if r[0] == "structureet"]
        for line, row in zip(lines, structures):
            assert len(row) == len(official[1]) == 32
            assert line.endswith(";") and row[-1] == ""  # numuai empty: trailing ';' as published
            assert row[13] in DEPARTEMENTS and row[14] == DEPARTEMENTS[row[13]]
            assert row[1][:2] == row[13] and re.fullmatch(r"\d{3}", row[12])
            categorie = CATEGORIES[row[18]]
            assert (row[19], row[20], row[21]) == (categorie.libelle, categorie.agregat, categorie.libelle_agregat)
            assert all(ISO.match(row[i]) for i in (28, 29, 30))
            assert row[30] <= f"{match.group(1)}"  # datemaj not after the extract date
        geo = [r for r in rows[1:] if r[0] == "geolocalisation"]
        assert [g[1] for g in geo] == [s[1] for s in structures]
        for g in geo:
            assert len(g) == 6
            x, y = float(g[2]), float(g[3])
            assert 250_000 < x < 700_000 and 6_200_000 < y < 6_700_000  # Lambert-93, Nouvelle-Aquitaine


def test_every_finess_number_is_valid_and_et_ej_are_distinct(landing):
    years = read_finess(landing)
    ets = {r[0] for rows in years.values() for r in rows}
    ejs = {r[1] for rows in years.values() for r in rows}
    for numero in ets | ejs:
        check = check_finess(numero)
        assert check.ok and check.key_checked, check.reason
    assert not ets & ejs
    for rows in years.values():
        assert len({r[0] for r in rows}) == len(rows)  # one row per ET and year


def test_other_sources_only_name_registered_establishments(landing):
    years = read_finess(landing)
    et_year = {(r[0], a) for a, rows in years.items() for r in rows}
    ejs = {r[1] for rows in years.values() for r in rows}
    for source in ("phev", "regional", "engagements"):
        df = read_source(landing, source)
        assert {(f, int(a)) for f, a in zip(df.finess_geo, df.annee)} <= et_year, source
    avenants = read_source(landing, "avenants")
    for row in avenants[avenants.finess_geo != ""].itertuples(index=False):
        signature = int(row.date_signature[-4:])
        assert all((row.finess_geo, a) in et_year for a in (signature, signature + 1)), row
    for source, encoding in (("contrats", "utf-8"), ("produits_am", "utf-8"), ("modulations", "utf-8"),
                             ("observations", "cp1252"), ("avenants", "utf-8"), ("notifications", "utf-8"),
                             ("avis_cpam", "utf-8"), ("decisions_dg", "utf-8")):
        df = read_source(landing, source, encoding=encoding)
        assert set(df.finess_ej) <= ejs, source
        assert all(check_finess(f).ok for f in df.finess_ej)


def test_attachment_is_per_year_with_moves_openings_and_closings(landing):
    years = read_finess(landing)
    assert sorted(years) == [2020, 2021, 2022, 2023, 2024]
    ej = {a: {r[0]: r[1] for r in rows} for a, rows in years.items()}
    moved = {f for f in ej[2020] if f in ej[2024] and ej[2020][f] != ej[2024][f]}
    assert moved
    assert set(ej[2024]) - set(ej[2020])  # opened during the campaign
    assert set(ej[2020]) - set(ej[2024])  # closed during the campaign
    for a, rows in years.items():
        for r in rows:
            if r[0] not in ej[2020]:
                assert date.fromisoformat(r[27]).year > 2020  # dateouv of an opening
