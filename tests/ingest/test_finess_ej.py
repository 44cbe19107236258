"""The FINESS legal-entities extract (source ``finess_ej``): read unchanged, validated, loaded."""

from __future__ import annotations

from datetime import date

import duckdb
from valid_landing import FIXTURES

from caqes_tasks.ingest.readers import read_file
from caqes_tasks.ingest.stage import ingest_stage

EJ_FILE = FIXTURES / "finess" / "etalab-cs1100501-stock-20240115-0339.csv"


def test_the_extract_reads_unchanged():
    r = read_file("finess_ej", EJ_FILE)
    f = r.frame
    assert len(f) == 6 and f["_champs_ok"].all() and f["_encodage_ok"].all() and f["_ligne_ok"].all()
    assert f["_line"].tolist() == list(range(2, 8))
    assert set(f["annee"]) == {2024} and set(f["extract_date"]) == {date(2024, 1, 15)}
    esquirol = f[f["finess_ej"] == "870780053"].iloc[0]
    assert esquirol["raison_sociale_longue"] == 'CENTRE HOSPITALIER "ESQUIROL"'
    assert (esquirol["commune"], esquirol["departement"], esquirol["ligne_acheminement"]) == ("085", "87", "87025 LIMOGES CEDEX")
    outremer = f[f["finess_ej"] == "970100186"].iloc[0]
    assert (outremer["departement"], outremer["lieu_dit_bp"], outremer["numero_voie"]) == ("9A", "BP 381", None)
    assert outremer["date_maj"] == date(2024, 4, 8) and outremer["siren"] == "269710364"


def test_a_wrong_row_is_flagged_not_dropped(tmp_path):
    lines = EJ_FILE.read_text(encoding="utf-8").splitlines()
    lines[2] = lines[2][:-1]  # trailing ';' lost: 23 fields
    lines.append("structureet;" + ";" * 22)
    path = tmp_path / EJ_FILE.name
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    f = read_file("finess_ej", path).frame
    assert f.loc[f["_line"] == 3, "_champs__brut"].item() == "23 champs au lieu de 24 (23 valeurs puis un ';' final)"
    assert "extrait des établissements, à déposer dans le dossier finess/" in f.loc[f["_line"] == 8, "_champs__brut"].item()
    assert f["_champs_ok"].sum() == 5


def _landing_with(loaded, text: str):
    folder = loaded.landing / "finess_ej"
    folder.mkdir()
    (folder / EJ_FILE.name).write_text(text, encoding="utf-8")
    return loaded


def test_a_valid_extract_is_loaded_into_raw_finess_ej(loaded):
    ctx = _landing_with(loaded, EJ_FILE.read_text(encoding="utf-8"))
    result = ingest_stage(ctx)
    assert result["loaded"] == [f"finess_ej/{EJ_FILE.name}"] and result["quarantined"] == []
    with duckdb.connect(str(ctx.warehouse), read_only=True) as con:
        rows = con.execute("select annee, finess_ej, raison_sociale, siren, _line from raw.finess_ej "
                           "order by _line").fetchall()
    assert len(rows) == 6
    assert rows[0] == (2024, "330781196", "CHU DE BORDEAUX", "263306175", 2)


def test_an_extract_with_a_bad_number_a_missing_name_or_a_duplicate_is_quarantined(loaded):
    lines = EJ_FILE.read_text(encoding="utf-8").splitlines()
    lines[1] = lines[1].replace("structureej;330781196;CHU DE BORDEAUX;", "structureej;330781197;CHU DE BORDEAUX;")
    lines[2] = lines[2].replace(";CH DE PAU;", ";;")
    lines.append(lines[3])
    ctx = _landing_with(loaded, "\n".join(lines) + "\n")
    result = ingest_stage(ctx)
    assert result["quarantined"] == [f"finess_ej/{EJ_FILE.name}"]
    report = next(p for p in result["reports"] if p.endswith(".validation.json"))
    text = open(report, encoding="utf-8").read()
    assert "finess_ej__cle_ok" in text and "raison_sociale" in text and "n'apparaît qu'une fois" in text
    assert all(y["status"] == "blocked" for y in result["years"].values())
    with duckdb.connect(str(ctx.warehouse), read_only=True) as con:
        assert con.execute("select count(*) from raw.finess_ej").fetchone()[0] == 0


def test_an_ej_extract_dropped_in_the_finess_folder_is_named_as_such():
    f = read_file("finess", EJ_FILE).frame
    assert f["_entete_ok"].tolist() == [False]  # one cause, not one failure per row
    assert "extrait FINESS des entités juridiques (lignes « structureej ») : le déposer dans le dossier finess_ej/" in (
        f["_entete__brut"].iloc[0])
