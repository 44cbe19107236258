"""The optional sources of the demo: the FINESS legal-entity extracts (cs1100501, one per register
year, agreeing with the establishment extracts) and the EJs' self-assessments."""

import csv
import io
import re

import pytest

from caqes_demo.france_places import LIBELLES
from caqes_tasks.finess.numbers import check_finess
from caqes_tasks.referentiel import load_referentiel
from demo_checks import Perimeter, read_finess, read_source

FIRST_LINE = re.compile(r"^finess;etalab;\d+;(\d{4})-12-31$")
STRUCTUREEJ = ("structureej;nofinessej;rs;rslongue;complrs;compldistrib;numvoie;typvoie;voie;compvoie;lieuditbp;"
               "commune;departement;libdepartement;ligneacheminement;telephone;telecopie;statutjuridique;"
               "libstatutjuridique;siren;codeape;datecrea;datemaj;").split(";")


@pytest.fixture(scope="module", params=["small", "region"])
def landing(request):
    return request.getfixturevalue(f"{request.param}_demo")[0]


def _ej_extracts(landing):
    out = {}
    for path in sorted((landing / "finess_ej").glob("*.csv")):
        text = path.read_bytes().decode("utf-8")
        first, rest = text.split("\n", 1)
        match = FIRST_LINE.match(first)
        assert match, first
        annee = int(match.group(1))
        assert path.name == f"etalab-cs1100501-stock-{annee}1231-0300.csv"
        assert "\r" not in text and text.endswith("\n")
        for line in rest.splitlines():
            assert line.endswith(";"), line  # 23 values, then the trailing ';'
        out[annee] = list(csv.reader(io.StringIO(rest, newline=""), delimiter=";"))
    return out


def test_one_ej_extract_per_register_year_with_the_official_layout(landing):
    extracts = _ej_extracts(landing)
    ets = read_finess(landing)
    assert sorted(extracts) == sorted(ets)
    for annee, rows in extracts.items():
        assert all(len(r) == len(STRUCTUREEJ) and r[0] == "structureej" and r[-1] == "" for r in rows)
        numeros = [r[1] for r in rows]
        assert numeros == sorted(set(numeros))
        # exactly the EJs the establishment extract of the same year attaches an ET to
        assert set(numeros) == {r[1] for r in ets[annee]}, annee
        sirets = {}
        for r in ets[annee]:
            sirets.setdefault(r[1], set()).add(r[21][:9])
        for r in rows:
            field = dict(zip(STRUCTUREEJ, r))
            assert check_finess(field["nofinessej"]).ok
            assert field["rs"] and len(field["rs"]) <= 38 and field["rslongue"]
            assert re.fullmatch(r"\d{3}", field["commune"]) and field["libdepartement"] == LIBELLES[field["departement"]]
            assert re.fullmatch(r"\d{5} [A-Z].*", field["ligneacheminement"]), field["ligneacheminement"]
            assert field["statutjuridique"] and field["libstatutjuridique"]
            assert re.fullmatch(r"\d{9}", field["siren"]) and check_finess(field["siren"]).ok  # Luhn key
            assert field["datecrea"] <= field["datemaj"] <= f"{annee}-12-31"
        # the head site's SIREN: the same as the establishments of the EJ (most of them)
        same = sum(dict(zip(STRUCTUREEJ, r))["siren"] in sirets[r[1]] for r in rows)
        assert same >= 0.95 * len(rows)


def test_ej_names_are_the_register_ones(landing):
    rows = _ej_extracts(landing)[2024]
    names = {r[1]: r[3] for r in rows}
    public = [n for n in names.values() if n.startswith(("CENTRE HOSPITALIER", "CHU", "CH "))]
    assert public and all(not n.startswith("CH ") for n in public)  # the long name spells CH out
    assert any(n.startswith("SAS ") for n in names.values())


def test_self_assessments_for_most_contracted_ejs_and_years(landing, request):
    ref = load_referentiel()
    auto = read_source(landing, "autoevaluations")
    assert not auto.duplicated(["finess_ej", "annee", "theme"]).any()
    assert set(auto.realisation) == {"realise", "partiel", "non_realise"}
    themes = {t["code"] for t in ref.themes}
    assert set(auto.theme) <= themes
    assert (auto.commentaire == "").any() and (auto.commentaire != "").any()
    perimeter = Perimeter(landing, ref)
    contracted, expected_themes = set(), {}
    for annee in ref.annees_evaluation:
        for (ej, _volet), pairs in perimeter.in_force(annee).items():
            if pairs:
                contracted.add((ej, annee))
                expected_themes.setdefault((ej, annee), set()).update(ref.by_code[c].theme for _f, c in pairs)
    sent = {(ej, int(a)) for ej, a in zip(auto.finess_ej, auto.annee)}
    assert sent <= contracted
    assert len(sent) >= 0.6 * len(contracted)
    if len(contracted) > 50:
        assert sent < contracted  # not every EJ sends its self-assessment
    for (ej, annee), group in auto.groupby(["finess_ej", "annee"]):
        assert set(group.theme) == expected_themes[(ej, int(annee))]
