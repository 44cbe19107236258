"""The campaign référentiel: read, checked, turned into the raw.ref_* rows."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
import yaml

from caqes_tasks.referentiel import DEFAULT_REFERENTIEL, ReferentielError, load_referentiel


def test_shipped_referentiel_has_every_indicator_of_the_contract():
    ref = load_referentiel()
    assert ref.codes("national") == ["NAT_1", "NAT_2", "NAT_3", "NAT_4", "NAT_5", "NAT_6"]
    regional = set(ref.codes("regional"))
    assert {"MEDCOUTINN", "DMI", "ATB", "MIPA", "CHO", "DLR", "PSY", "GEN", "BIOSIM", "TS"} <= regional
    assert {i.volet for i in ref.indicateurs} == {"V1", "V2"}
    assert ref.by_code["NAT_6"].seuil_valeur == Decimal("0.20")  # arrêté du 23 février 2022
    assert all(isinstance(i.poids, Decimal) for i in ref.indicateurs)
    tables = ref.tables()
    assert len(tables["ref_indicateur"]) == len(ref.indicateurs)
    assert [r["annee_evaluation"] for r in tables["ref_campagne"]] == [2022, 2023, 2024]


def _variant(tmp_path: Path, change) -> Path:
    data = yaml.safe_load(DEFAULT_REFERENTIEL.read_text(encoding="utf-8"))
    change(data)
    path = tmp_path / "variant.yml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


@pytest.mark.parametrize(
    "change, message",
    [
        (lambda d: d["indicateurs"][0].update(poids=0), "poids must be > 0"),
        (lambda d: d["themes"][0].update(poids=-1), "poids must be > 0"),
        (lambda d: d["indicateurs"][0].update(sens="bigger"), "sens"),
        (lambda d: d["indicateurs"][0].update(theme="PARCOURS"), "not a theme of volet"),
        (lambda d: d["indicateurs"][0].update(objectif={}), "objectif"),
        (lambda d: d["indicateurs"].append(dict(d["indicateurs"][0])), "unique"),
        (lambda d: d["indicateurs"][0].update(mesure="ratio"), "ratio is for regional indicators"),
        (lambda d: d["indicateurs"][0].update(mesure="ddj"), "mesure must be one of"),
    ],
)
def test_inconsistent_referentiel_is_refused_naming_the_entry(tmp_path, change, message):
    with pytest.raises(ReferentielError, match=message):
        load_referentiel(_variant(tmp_path, change))


def test_revision_2_keys_of_the_shipped_referentiel():
    ref = load_referentiel()
    assert (ref.formule_nationale, ref.seuil_atteinte_nationale) == ("proportionnelle", None)
    assert ref.impact_non_atteinte == "depenses" and ref.exercice_base == "N"
    assert ref.exercice_produits_am(2023) == 2023
    # every sanction path switched on names the version of the article it applies
    assert ref.sanctions == {"refus": True, "non_atteinte": True, "capes": True, "surveillance": True}
    by_code = {a.code: a for a in ref.articles}
    assert {"L162-30-2", "L162-30-3", "L162-30-4", "D162-14"} <= set(by_code)
    # the versions as the texts of reference state them (NOTA), not guessed
    assert "loi n° 2017-1836" in by_code["L162-30-2"].version and by_code["L162-30-2"].en_vigueur_du == date(2018, 1, 1)
    assert "loi n° 2016-1827" in by_code["L162-30-4"].version
    assert "décret n° 2021-1231" in by_code["D162-14"].version and by_code["D162-14"].en_vigueur_du == date(2022, 1, 1)
    assert by_code["L162-30-3"].en_vigueur_du is None and by_code["L162-30-2"].en_vigueur_au is None
    assert ref.reference_article("refus").startswith("Code de la sécurité sociale, article L. 162-30-2, version")
    assert "L. 162-30-4" in ref.reference_article("non_atteinte")
    assert "L. 162-1-17" in ref.reference_article("accord_prealable")
    assert "L. 162-22-7" in ref.reference_article("reduction_liste_en_sus_refus")
    assert ref.avertissements() == []


def test_threshold_formula_and_previous_exercice(tmp_path):
    ref = load_referentiel(_variant(tmp_path, lambda d: d.update(
        national={"formule": "seuil", "seuil_atteinte": "0.80"}, exercice_base="N-1")))
    assert (ref.formule_nationale, ref.seuil_atteinte_nationale) == ("seuil", Decimal("0.80"))
    assert ref.exercice_produits_am(2023) == 2022


def test_national_share_outside_usual_range_is_a_warning(tmp_path):
    ref = load_referentiel(_variant(tmp_path, lambda d: d["indicateurs"][0].update(part_nationale="0.35")))
    [warning] = ref.avertissements()
    assert "NAT_1" in warning and "0.35" in warning
    low = load_referentiel(_variant(tmp_path, lambda d: d["indicateurs"][0].update(part_nationale="0.15")))
    assert len(low.avertissements()) == 1


@pytest.mark.parametrize(
    "change, message",
    [
        (lambda d: d.update(national={"formule": "bonus"}), "national.formule"),
        (lambda d: d.update(national={"formule": "seuil"}), "seuil_atteinte is required"),
        (lambda d: d.update(national={"formule": "seuil", "seuil_atteinte": "1.5"}), "in \\[0, 1\\]"),
        (lambda d: d["sanctions"].update(impact="tout"), "sanctions.impact"),
        (lambda d: d.update(exercice_base="N-2"), "exercice_base"),
        (lambda d: d.update(exercice_base=False), "exercice_base"),
        (lambda d: d.update(articles=[a for a in d["articles"] if a["code"] != "L162-30-4"]), "'non_atteinte'"),
        (lambda d: d["articles"][0].update(voies=["sanction"]), "unknown voies"),
        (lambda d: d["articles"][0].update(en_vigueur_au="2017-01-01"), "before"),
        (lambda d: d["articles"][0].pop("version"), "missing 'version'"),
    ],
)
def test_inconsistent_revision_2_keys_are_refused(tmp_path, change, message):
    with pytest.raises(ReferentielError, match=message):
        load_referentiel(_variant(tmp_path, change))


def test_a_path_switched_off_needs_no_article(tmp_path):
    def change(d):
        d["sanctions"].update(capes=False)
        d["articles"] = [a for a in d["articles"] if a["code"] != "L162-30-3"]

    ref = load_referentiel(_variant(tmp_path, change))
    assert ref.reference_article("capes") is None
