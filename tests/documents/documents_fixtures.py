"""A small demo region evaluated for 2022, with a self-assessment file: the documents' tests
read the rapports and analyses it gives and compare them with the warehouse."""

from __future__ import annotations

import csv
import io
import re
import shutil
from pathlib import Path

import duckdb
from pypdf import PdfReader

from caqes_tasks.notices.formatting import normalise_spaces

YEAR = 2022
AS_OF = "2023-04-15"
COMMENTAIRE = "Audit interne des prescriptions d'antibiotiques mené au second semestre ; relance des prescripteurs."


def contracted_ejs(landing: Path) -> list[str]:
    """EJs with a signed volet 1 contract in the demo's contract file."""
    rows = csv.DictReader(io.StringIO((landing / "contrats" / "contrats.csv").read_text(encoding="utf-8")), delimiter=";")
    return sorted({r["finess_ej"] for r in rows if r["volet"] == "V1" and r["statut"] == "signe"})


def write_autoevaluations(landing: Path, ejs: list[str]) -> dict[str, list[tuple[str, str, str]]]:
    """One self-assessment per EJ of ``ejs`` but the last (which sent none): ATB and IATRO."""
    folder = landing / "autoevaluations"
    shutil.rmtree(folder, ignore_errors=True)  # this test's self-assessments only
    folder.mkdir(parents=True)
    rows: dict[str, list[tuple[str, str, str]]] = {}
    for ej in ejs[:-1]:
        rows[ej] = [("ATB", "partiel", COMMENTAIRE), ("IATRO", "realise", "")]
    buf = io.StringIO()
    writer = csv.writer(buf, delimiter=";", lineterminator="\n")  # the comment holds a « ; »: quoted
    writer.writerow(["finess_ej", "annee", "theme", "realisation", "commentaire"])
    writer.writerows([ej, YEAR, t, r, c] for ej, items in rows.items() for t, r, c in items)
    (folder / f"autoevaluations_{YEAR}.csv").write_text(buf.getvalue(), encoding="utf-8")
    return rows


def build(root: Path) -> dict:
    """Generate the small demo, add the self-assessments, run the annual evaluation of 2022."""
    from caqes_demo import generate_demo
    from caqes_tasks.pipeline import prepare, run_annual

    landing, out = root / "landing", root / "out"
    generate_demo(landing, size="small")
    ejs = contracted_ejs(landing)
    auto = write_autoevaluations(landing, ejs)
    results = run_annual(prepare(YEAR, landing, out, as_of=AS_OF), progress=lambda _m: None)
    return {"landing": landing, "out": out, "ejs": ejs, "autoevaluations": auto, "results": results}


def pdf_text(path: Path) -> str:
    """The PDF's text, non-breaking spaces as spaces and lines joined (cells may wrap)."""
    text = "\n".join(page.extract_text() or "" for page in PdfReader(str(path)).pages)
    return re.sub(r"\s+", " ", normalise_spaces(text))


def query(out: Path, sql: str, params: list | None = None) -> list[tuple]:
    con = duckdb.connect(str(out / "warehouse" / "caqes.duckdb"), read_only=True)
    try:
        return con.execute(sql, params or []).fetchall()
    finally:
        con.close()
