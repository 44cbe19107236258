"""The data dictionary published with the feeds: every published column described, in French,
in a Table Schema the data.gouv.fr tools read, and as a CSV."""

import csv
import hashlib
import json
import re

import pytest

from caqes_tasks.feeds import feeds_stage
from caqes_tasks.feeds.dictionary import frictionless_type

# Words of an English sentence that no French description uses.
ENGLISH = re.compile(r"\b(the|of|and|when|with|which|per|from|is|are|its|else|in euros|between)\b", re.I)


@pytest.fixture
def published(ctx):
    feeds_stage(ctx)
    return ctx.feeds / "latest"


def _csv_header(path):
    with open(path, encoding="utf-8-sig", newline="") as fh:
        return next(csv.reader(fh, delimiter=";"))


def test_every_published_column_has_a_french_description(published):
    package = json.loads((published / "dictionnaire.json").read_text(encoding="utf-8"))
    resources = {r["name"]: r for r in package["resources"]}
    csv_files = sorted(p.stem for p in published.glob("*.csv") if p.name != "dictionnaire.csv")
    assert sorted(resources) == csv_files
    for name in csv_files:
        fields = resources[name]["schema"]["fields"]
        assert [f["name"] for f in fields] == _csv_header(published / f"{name}.csv"), name
        assert resources[name]["description"], name
        for f in fields:
            assert f["description"].strip(), f"{name}.{f['name']} sans description"
            assert not ENGLISH.search(f["description"]), f"{name}.{f['name']} : « {f['description']} »"
        assert not ENGLISH.search(resources[name]["description"]), name
    assert {"dim_indicateur", "dim_theme", "dim_volet", "dim_statut"} <= set(resources)


def test_table_schema_types_and_constraints_come_from_the_contract(published):
    package = json.loads((published / "dictionnaire.json").read_text(encoding="utf-8"))
    assert package["profile"] == "tabular-data-package"
    contract = {r["name"]: r for r in package["resources"]}["fct_contractualisation"]
    assert contract["path"] == "fct_contractualisation.csv" and contract["dialect"]["delimiter"] == ";"
    schema = contract["schema"]
    assert schema["primaryKey"] == ["finess_ej", "annee", "volet"]
    fields = {f["name"]: f for f in schema["fields"]}
    assert fields["statut"]["constraints"] == {"required": True, "enum": ["signe", "refus", "en_cours", "absent"]}
    assert (fields["annee"]["type"], fields["date_effet"]["type"], fields["en_vigueur"]["type"]) == ("integer", "date", "boolean")
    assert "constraints" not in fields["date_effet"]
    score = {f["name"]: f for r in package["resources"] if r["name"] == "fct_score" for f in r["schema"]["fields"]}
    assert score["score"]["type"] == "number" and score["score"]["decimalChar"] == ","
    assert frictionless_type("DECIMAL(18,2)") == "number" and frictionless_type("BIGINT") == "integer"


def test_csv_dictionary_lists_every_field_and_the_manifest_hashes_both(published):
    package = json.loads((published / "dictionnaire.json").read_text(encoding="utf-8"))
    with open(published / "dictionnaire.csv", encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.DictReader(fh, delimiter=";"))
    assert [(r["table"], r["colonne"]) for r in rows] == [
        (res["name"], f["name"]) for res in package["resources"] for f in res["schema"]["fields"]
    ]
    statut = next(r for r in rows if (r["table"], r["colonne"]) == ("fct_contractualisation", "statut"))
    assert statut["obligatoire"] == "true" and statut["valeurs_admises"] == "signe, refus, en_cours, absent"
    manifest = json.loads((published / "manifest.json").read_text(encoding="utf-8"))
    for kind, name in (("json", "dictionnaire.json"), ("csv", "dictionnaire.csv")):
        entry = manifest["dictionnaire"][kind]
        assert entry["name"] == name
        assert entry["sha256"] == hashlib.sha256((published / name).read_bytes()).hexdigest()
