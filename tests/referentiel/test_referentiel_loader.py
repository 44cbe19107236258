"""The campaign référentiel: read, checked, turned into the raw.ref_* rows."""

from __future__ import annotations

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
    ],
)
def test_inconsistent_referentiel_is_refused_naming_the_entry(tmp_path, change, message):
    with pytest.raises(ReferentielError, match=message):
        load_referentiel(_variant(tmp_path, change))
