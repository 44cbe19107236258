"""The landing folder follows the data contract: folders, headers, encodings, number formats."""

import re
from decimal import ROUND_HALF_UP, Decimal

import pytest
import yaml

from caqes_demo import OPTIONAL_SOURCES, SOURCES
from caqes_tasks.referentiel import load_referentiel
from demo_checks import dec, read_source

HEADERS = {
    "phev": "finess_geo;annee;indicateur;montant_rembourse;volume;numerateur;denominateur",
    "regional": "finess_geo;annee;indicateur;valeur;numerateur;denominateur",
    "engagements": "finess_geo;annee;theme;engagement_id;libelle;realise",
    "contrats": "finess_ej;volet;statut;date_proposition;date_signature;date_effet;date_fin",
    "avenants": "finess_ej;volet;finess_geo;indicateur;action;date_signature;motif",
    "notifications": "finess_ej;annee;document;date_envoi;date_reception",
    "avis_cpam": "finess_ej;annee;date_avis;sens;commentaire",
    "decisions_dg": "finess_ej;annee;objet;choix;montant_base;motif",
    "produits_am": "finess_ej;exercice;produits_am",
    "enveloppes": "annee;theme;montant",
    "modulations": "finess_ej;annee;coefficient;motif",
    "observations": "finess_ej;annee;date_reception;suite;montant_retenu;motif",
    "autoevaluations": "finess_ej;annee;theme;realisation;commentaire",
}
MONEY_COMMA = re.compile(r"^\d+,\d{2}$")
MONEY_POINT = re.compile(r"^\d+\.\d{2}$")
DDMMYYYY = re.compile(r"^\d{2}/\d{2}/\d{4}$")
ISO = re.compile(r"^\d{4}-\d{2}-\d{2}$")


@pytest.fixture(scope="module", params=["small", "region"])
def landing(request):
    return request.getfixturevalue(f"{request.param}_demo")[0]


def test_every_source_has_its_folder_and_files(landing):
    for source in SOURCES:
        files = sorted((landing / source).glob("annee=*/*.parquet" if source == "phev_lines" else "*.csv"))
        assert files, f"no file for source {source}"
    assert set(HEADERS) | {"finess", "finess_ej", "phev_lines"} == set(SOURCES)
    assert {"phev_lines", "finess_ej", "autoevaluations"} == set(OPTIONAL_SOURCES)
    assert len(list((landing / "finess_ej").glob("etalab-cs1100501-stock-*1231-0300.csv"))) == 5
    assert len(list((landing / "finess").glob("etalab-cs1100507-stock-*-12-31.csv"))) == 5
    assert sorted(p.name for p in (landing / "phev").iterdir()) == [f"phev_{y}.csv" for y in range(2020, 2025)]


def test_headers_are_the_contract_columns(landing):
    for source, header in HEADERS.items():
        encoding = "cp1252" if source == "observations" else "utf-8"
        for path in (landing / source).glob("*.csv"):
            first = path.read_bytes().decode(encoding).splitlines()[0]
            assert first == header, path.name


def test_sources_yml_declares_the_cp1252_observations(landing):
    declared = yaml.safe_load((landing / "sources.yml").read_text(encoding="utf-8"))
    assert declared == {"observations": {"encoding": "cp1252"}}
    raw = (landing / "observations" / "observations.csv").read_bytes()
    with pytest.raises(UnicodeDecodeError):
        raw.decode("utf-8")  # really Windows-1252, with accents, the euro sign and œ
    text = raw.decode("cp1252")
    assert "é" in text and "€" in text and "œ" in text
    for path in (landing).rglob("*.csv"):
        if path.parent.name != "observations":
            path.read_bytes().decode("utf-8")


def test_numbers_dates_and_codes_are_well_formed(landing):
    ref = load_referentiel()
    phev = read_source(landing, "phev")
    assert phev.montant_rembourse.str.match(MONEY_COMMA).all()
    assert phev.volume.str.match(r"^\d+$").all()
    assert set(phev.indicateur) == set(ref.codes("national"))
    assert set(phev.annee) == {str(y) for y in range(2020, 2025)}
    regional = read_source(landing, "regional")
    assert set(regional.indicateur) == set(ref.codes("regional"))
    assert regional.valeur.str.match(r"^[01]\.\d{6}$").all()
    produits = read_source(landing, "produits_am")
    assert produits.produits_am.str.match(MONEY_POINT).all()
    assert set(produits.exercice) == {str(y) for y in range(2020, 2025)}
    contrats = read_source(landing, "contrats")
    assert set(contrats.volet) <= {"V1", "V2"}
    assert set(contrats.statut) <= {"signe", "refus", "en_cours"}
    signes = contrats[contrats.statut == "signe"]
    for col in ("date_signature", "date_effet", "date_fin"):
        assert signes[col].str.match(DDMMYYYY).all()
    assert contrats.date_proposition.str.match(DDMMYYYY).all()
    assert (contrats[contrats.statut != "signe"].date_effet == "").all()
    assert not contrats.duplicated(["finess_ej", "volet", "date_proposition"]).any()
    assert not signes.duplicated(["finess_ej", "volet"]).any()  # one signed contract per volet
    avenants = read_source(landing, "avenants")
    assert set(avenants.action) == {"ajout", "retrait", "resiliation"}
    assert avenants.date_signature.str.match(DDMMYYYY).all() and (avenants.motif != "").all()
    resiliations = avenants[avenants.action == "resiliation"]
    assert (resiliations.finess_geo == "").all() and (resiliations.indicateur == "").all()
    autres = avenants[avenants.action != "resiliation"]
    assert set(autres.indicateur) <= set(ref.codes()) and (autres.finess_geo.str.len() == 9).all()
    assert not avenants.duplicated(["finess_ej", "volet", "finess_geo", "indicateur", "action",
                                    "date_signature"]).any()
    notifications = read_source(landing, "notifications")
    assert set(notifications.document) == {"notification_prealable"}
    assert notifications.date_envoi.str.match(ISO).all()
    assert notifications.date_reception.str.match(r"^(\d{4}-\d{2}-\d{2})?$").all()
    assert not notifications.duplicated(["finess_ej", "annee", "document", "date_envoi"]).any()
    avis = read_source(landing, "avis_cpam")
    assert avis.date_avis.str.match(DDMMYYYY).all() and set(avis.sens) == {"favorable", "defavorable", "reserve"}
    assert not avis.duplicated(["finess_ej", "annee"]).any()
    decisions = read_source(landing, "decisions_dg")
    assert set(decisions.choix) <= {"reduction_liste_en_sus", "accord_prealable", "reduction", "renonciation"}
    assert decisions.objet.str.match(r"^(refus|sanction|non_atteinte:V[12])$").all()
    assert decisions.montant_base.str.match(r"^(\d+,\d{2})?$").all() and (decisions.motif != "").all()
    assert not decisions.duplicated(["finess_ej", "annee", "objet", "choix"]).any()
    engagements = read_source(landing, "engagements")
    assert set(engagements.realise) == {"oui", "non"}
    assert set(engagements.theme) <= set(ref.themes_regionaux)
    assert not engagements.duplicated(["finess_geo", "annee", "theme", "engagement_id"]).any()
    observations = read_source(landing, "observations", encoding="cp1252")
    assert observations.date_reception.str.match(DDMMYYYY).all()
    assert set(observations.suite) <= {"maintenue", "reduite", "abandonnee"}
    assert observations.montant_retenu.str.match(r"^(\d+,\d{2})?$").all()
    modulations = read_source(landing, "modulations")
    coefficients = [Decimal(c) for c in modulations.coefficient]
    assert coefficients and all(Decimal(0) <= c <= Decimal(1) for c in coefficients)


def test_no_duplicate_key_in_measures(landing):
    for source in ("phev", "regional"):
        df = read_source(landing, source)
        assert not df.duplicated(["finess_geo", "annee", "indicateur"]).any()


def test_numerator_never_exceeds_denominator(landing):
    ref = load_referentiel()
    phev = read_source(landing, "phev")
    checked = 0
    for row in phev.itertuples(index=False):
        mesure = ref.by_code[row.indicateur].mesure
        if mesure == "amount":
            assert row.numerateur == "" and row.denominateur == ""
            continue
        num, den = dec(row.numerateur), dec(row.denominateur)
        assert Decimal(0) <= num <= den, row
        checked += 1
        if mesure == "share":  # ambulance spending is both the numerator and the amount
            assert num == dec(row.montant_rembourse)
        else:  # rate: examens per acte, the volume is the number of examens
            assert num == Decimal(row.volume)
    assert checked > 0
    regional = read_source(landing, "regional")
    for row in regional.itertuples(index=False):
        num, den, valeur = dec(row.numerateur), dec(row.denominateur), dec(row.valeur)
        assert Decimal(0) <= num <= den and den > 0
        assert valeur == (num / den).quantize(Decimal("0.000001"), rounding=ROUND_HALF_UP)
        assert Decimal(0) <= valeur <= Decimal(1)


def test_enveloppes_cover_every_regional_theme_and_year(landing):
    ref = load_referentiel()
    env = read_source(landing, "enveloppes")
    assert env.montant.str.match(MONEY_POINT).all()
    keys = {(int(a), t) for a, t in zip(env.annee, env.theme)}
    assert keys == {(a, t) for a in ref.annees_evaluation for t in ref.themes_regionaux}
    assert all(Decimal(m) > 0 for m in env.montant)
