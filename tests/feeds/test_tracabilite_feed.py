"""The audit chain: each amount of an EJ and a year back to its input lines (file, line, sha256),
published as the ``tracabilite`` feed and printed by ``caqes explain``."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from datetime import date
from decimal import Decimal as D
from pathlib import Path

import duckdb
import pyarrow.parquet as pq
import pytest

from caqes_tasks.context import RunContext
from caqes_tasks.feeds import feeds_stage
from caqes_tasks.warehouse.schema import create_schemas
from published_run import record_as_last_run

ROOT = Path(__file__).resolve().parents[2]
YEAR = 2023
EJ, ET, AUTRE_ET = "330000018", "330000026", "330000034"
SHA = {name: name[0] * 64 for name in ("phev", "b_phev", "regional", "engagements", "contrats", "enveloppes",
                                       "produits_am", "modulations", "finess")}


def _ins(con, table: str, row: dict) -> None:
    con.execute(f"INSERT INTO {table} ({', '.join(row)}) VALUES ({', '.join('?' for _ in row)})", list(row.values()))


def _raw(con, table: str, fichier: str, ligne: int, sha: str, **row) -> None:
    _ins(con, f"raw.{table}", {**row, "_file": fichier, "_line": ligne, "_sha256": sha})


def build(warehouse: Path) -> None:
    """One EJ, one ET: a national and a regional intéressement line, a refusal sanction, a retenue."""
    warehouse.parent.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect(str(warehouse))
    try:
        create_schemas(con)
        con.execute("""CREATE TABLE marts.dim_etablissement (finess_geo VARCHAR, finess_ej VARCHAR, annee INTEGER,
            raison_sociale VARCHAR, raison_sociale_ej VARCHAR)""")
        con.execute("""CREATE TABLE marts.fct_evaluation (finess_geo VARCHAR, finess_ej VARCHAR, annee INTEGER,
            indicateur VARCHAR, type_indicateur VARCHAR, volet VARCHAR, theme VARCHAR, sous_contrat BOOLEAN,
            annee_reference INTEGER, methode_periode VARCHAR)""")
        _ins(con, "marts.dim_etablissement", {"finess_geo": ET, "finess_ej": EJ, "annee": YEAR,
                                              "raison_sociale": "Site Saint-Jean", "raison_sociale_ej": "Hôpital Saint-Jean"})
        for ind, typ, volet, theme in (("NAT_1", "national", "V1", "T1"), ("REG_1", "regional", "V2", "T2"),
                                       ("PLAN_T2", "plan_action", "V2", "T2")):
            _ins(con, "marts.fct_evaluation", {"finess_geo": ET, "finess_ej": EJ, "annee": YEAR, "indicateur": ind,
                                               "type_indicateur": typ, "volet": volet, "theme": theme,
                                               "sous_contrat": True, "annee_reference": YEAR - 1,
                                               "methode_periode": "annee_civile"})
        _raw(con, "phev", "phev_2023.csv", 7, SHA["phev"], finess_geo=ET, annee=YEAR, indicateur="NAT_1",
             montant_rembourse=D("900.00"))
        _raw(con, "phev", "phev_2022.csv", 3, SHA["b_phev"], finess_geo=ET, annee=YEAR - 1, indicateur="NAT_1",
             montant_rembourse=D("1000.00"))
        _raw(con, "phev", "phev_2023.csv", 8, SHA["phev"], finess_geo=AUTRE_ET, annee=YEAR, indicateur="NAT_1",
             montant_rembourse=D("5.00"))  # another ET: in no chain
        _raw(con, "regional", "regional_2023.csv", 4, SHA["regional"], finess_geo=ET, annee=YEAR, indicateur="REG_1",
             valeur=D("0.5"))
        _raw(con, "engagements", "engagements_2023.csv", 2, SHA["engagements"], finess_geo=ET, annee=YEAR, theme="T2",
             engagement_id="T2-01", realise=True)
        _raw(con, "contrats", "contrats.csv", 2, SHA["contrats"], finess_ej=EJ, volet="V1", statut="signe",
             date_proposition=date(2022, 4, 15), date_signature=date(2022, 6, 1))
        _raw(con, "contrats", "contrats.csv", 3, SHA["contrats"], finess_ej=EJ, volet="V2", statut="refus",
             date_proposition=date(2023, 3, 1))
        _raw(con, "enveloppes", "enveloppes.csv", 3, SHA["enveloppes"], annee=YEAR, theme="T2", montant=D("5000.00"))
        _raw(con, "produits_am", "produits_am.csv", 5, SHA["produits_am"], finess_ej=EJ, exercice=YEAR,
             produits_am=D("100000.00"))
        _raw(con, "produits_am", "produits_am.csv", 4, SHA["produits_am"], finess_ej=EJ, exercice=YEAR - 1,
             produits_am=D("90000.00"))  # another exercice: not the base
        _raw(con, "modulations", "modulations.csv", 2, SHA["modulations"], finess_ej=EJ, annee=YEAR,
             coefficient=D("0.9"), motif="retard")
        common = {"finess_ej": EJ, "annee": YEAR, "run_id": "r"}
        _ins(con, "marts.fct_interessement", {**common, "type": "national", "code": "NAT_1", "finess_geo": ET,
                                              "montant": D("27.00"), "montant_calcule": D("30.00"),
                                              "coefficient_modulation": D("0.9"), "economie": D("100.00"),
                                              "part": D("0.3"), "atteinte": D("1")})
        _ins(con, "marts.fct_interessement", {**common, "type": "regional", "code": "T2", "montant": D("50.00"),
                                              "score": D("50.00")})
        _ins(con, "marts.fct_sanction", {**common, "motif": "refus", "volet": "V2", "exercice_base": YEAR,
                                         "base_produits_am": D("100000.00"), "taux": D("0.01"),
                                         "montant": D("1000.00"), "statut": "calculee"})
        _ins(con, "marts.fct_retenue", {**common, "objet": "interessement:modulation", "raison": "modulation"})
    finally:
        con.close()


@pytest.fixture
def ctx(tmp_path: Path) -> RunContext:
    c = RunContext(year=YEAR, landing=tmp_path / "landing", out=tmp_path / "out", as_of="2024-04-15",
                   run_id="2023-0123456789ab")
    build(c.warehouse)
    return c


def _chaine(rows: list[dict]) -> dict[tuple[str, str], set[tuple[str, str, int | None, str]]]:
    out: dict = {}
    for r in rows:
        assert r["annee"] == YEAR and r["finess_ej"] == EJ
        out.setdefault((r["type_montant"], r["objet"]), set()).add((r["source"], r["fichier"], r["ligne"], r["sha256"]))
    return out


def test_feed_links_each_amount_to_its_input_lines(ctx):
    feeds_stage(ctx)
    latest = ctx.feeds / "latest"
    rows = pq.read_table(latest / "tracabilite.parquet").to_pylist()
    assert _chaine(rows) == {
        ("interessement_national", f"interessement_national:NAT_1:{ET}"): {
            ("phev", "phev_2023.csv", 7, SHA["phev"]), ("phev", "phev_2022.csv", 3, SHA["b_phev"]),
            ("contrats", "contrats.csv", 2, SHA["contrats"]), ("modulations", "modulations.csv", 2, SHA["modulations"]),
        },
        ("interessement_regional", "interessement_regional:T2"): {
            ("enveloppes", "enveloppes.csv", 3, SHA["enveloppes"]), ("regional", "regional_2023.csv", 4, SHA["regional"]),
            ("engagements", "engagements_2023.csv", 2, SHA["engagements"]), ("contrats", "contrats.csv", 3, SHA["contrats"]),
        },
        ("sanction", "sanction:refus:V2"): {
            ("produits_am", "produits_am.csv", 5, SHA["produits_am"]), ("contrats", "contrats.csv", 3, SHA["contrats"]),
        },
        ("retenue", "interessement:modulation"): {("modulations", "modulations.csv", 2, SHA["modulations"])},
    }
    # the CSV (Excel) and the manifest carry it like a mart; the BI file holds it with its comments
    with open(latest / "tracabilite.csv", encoding="utf-8-sig", newline="") as fh:
        lines = fh.read().splitlines()
    assert lines[0] == "annee;finess_ej;type_montant;objet;element;source;fichier;ligne;sha256"
    assert len(lines) == len(rows) + 1 and f'"=""{EJ}"""' in lines[1]  # Excel keeps the leading zeros
    manifest = json.loads((latest / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["marts"]["tracabilite"]["rows"] == len(rows)
    con = duckdb.connect(str(ctx.out / "feeds" / "caqes_bi.duckdb"), read_only=True)
    try:
        assert con.execute("SELECT count(*) FROM tracabilite").fetchone()[0] == len(rows)
        comment = con.execute("SELECT comment FROM duckdb_columns() WHERE table_name = 'tracabilite' "
                              "AND column_name = 'ligne'").fetchone()[0]
        assert "numéro de la ligne" in comment
    finally:
        con.close()


def _cli(*args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run([sys.executable, "-m", "caqes_tasks.cli", *args], capture_output=True, text=True,
                          env=env, cwd=ROOT, timeout=120)


def _files(folder: Path) -> dict[str, str]:
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in folder.rglob("*") if p.is_file() and p.suffix != ".lock"}


def test_explain_prints_the_chain_by_name_and_refuses_unknown_ej_or_year(ctx):
    record_as_last_run(ctx)
    before = _files(ctx.out)
    done = _cli("explain", "--year", str(YEAR), "--finess-ej", EJ, "--out", str(ctx.out))
    assert done.returncode == 0, done.stderr
    text = done.stdout
    assert f"Montants 2023 de l'EJ « Hôpital Saint-Jean » (FINESS EJ {EJ})" in text
    assert f"Indicateur NAT_1, ET {ET} « Site Saint-Jean » : 27,00 €" in text
    assert "économie 100,00 € ; part nationale 30 %" in text and "coefficient de modulation 0,9" in text
    assert f"source phev, fichier phev_2023.csv, ligne 7, sha256 {SHA['phev']}" in text
    assert "Thème T2 : 50,00 €" in text and "fichier enveloppes.csv, ligne 3" in text
    assert "Sanctions : 1 000,00 €" in text and "produits AM 2023 (base P) 100 000,00 €" in text
    assert "fichier produits_am.csv, ligne 5" in text and "produits_am.csv, ligne 4" not in text
    assert "phev_2023.csv, ligne 8" not in text  # another ET's line
    assert _files(ctx.out) == before  # nothing written (the reader's lock file aside)

    unknown = _cli("explain", "--year", str(YEAR), "--finess-ej", "999999999", "--out", str(ctx.out))
    assert unknown.returncode == 2 and unknown.stdout == ""
    assert unknown.stderr.strip().splitlines() == [
        f"caqes : erreur : EJ 999999999 inconnue en {YEAR} : aucun établissement au répertoire FINESS de l'année, "
        "aucun montant ni retenue"]
    no_year = _cli("explain", "--year", "2022", "--finess-ej", EJ, "--out", str(ctx.out))
    assert no_year.returncode == 2 and len(no_year.stderr.strip().splitlines()) == 1
    assert "aucun run annuel réussi pour 2022" in no_year.stderr and "2023" in no_year.stderr
    bad = _cli("explain", "--year", "vingt", "--finess-ej", EJ, "--out", str(ctx.out))
    assert bad.returncode == 2 and "année manquante ou invalide" in bad.stderr
