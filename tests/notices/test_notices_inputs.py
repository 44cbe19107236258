"""A notice's annex lists exactly the inputs the run accepted; the files the run refused or
ignored are listed apart, never among its inputs (issue 10, point 8). Issued notices stay as sent."""

from __future__ import annotations

import hashlib
import json
from dataclasses import replace
from pathlib import Path

import duckdb
import pytest
from notices_fixtures import INPUT_HASHES, RUN_ID, build_warehouse, make_ctx
from pypdf import PdfReader

from caqes_tasks.notices.model import RunInfo
from caqes_tasks.notices.stage import notices_stage

LATER = "2024-fedcba987654"
PREALABLE = "330000100/notification_prealable"
DECISION = "330000100/decision_sanction"
QUARANTINED = "phev/phev_2024_corrige.csv"
QUARANTINED_SHA = "9" * 64
UNKNOWN = "inconnu/"


def _pdf_text(path) -> str:
    return " ".join(" ".join(p.extract_text() for p in PdfReader(path).pages).split())


def _html_text(path) -> str:
    return path.read_text(encoding="utf-8")


def _sql(ctx, statement: str) -> None:
    con = duckdb.connect(str(ctx.warehouse))
    try:
        con.execute(statement)
    finally:
        con.close()


def _ingest_record(ctx, accepted: dict, rejected: dict, ignored: list) -> None:
    """The ingest stage's result as the run keeps it (``run_dir/stages/ingest.json``)."""
    folder = ctx.run_dir / "stages"
    folder.mkdir(parents=True, exist_ok=True)
    result = {"accepted_inputs": accepted, "input_hashes": accepted, "rejected_inputs": rejected, "ignored": ignored}
    (folder / "ingest.json").write_text(json.dumps({"stage": "ingest", "seconds": 1.0, "result": result}))


@pytest.fixture
def fresh(tmp_path):
    ctx = make_ctx(tmp_path)
    ctx.warehouse.parent.mkdir(parents=True)
    build_warehouse(ctx.warehouse)
    return ctx


def _prepared_with_rejects(ctx):
    """Prepare hashed every landing file, the quarantined one included; ingest accepted the others."""
    prepared = {**INPUT_HASHES, QUARANTINED: QUARANTINED_SHA}
    ctx = replace(ctx, input_hashes=prepared)
    _ingest_record(
        ctx, dict(INPUT_HASHES),
        {QUARANTINED: {"sha256": QUARANTINED_SHA, "status": "quarantined",
                       "reason": "montant_rembourse négatif ligne 2 (règle montant_positif)"}},
        [{"file": UNKNOWN, "kind": "source_inconnue",
          "reason": "dossier « inconnu » : source inconnue du contrat de données, 1 fichier(s) non lu(s)"}],
    )  # fmt: skip
    return ctx


def test_annex_lists_the_accepted_inputs_and_the_rejected_ones_apart(fresh):
    ctx = _prepared_with_rejects(fresh)
    result = notices_stage(ctx)
    pdfs = [p for paths in result["notices"].values() for p in paths]
    assert pdfs
    expected = RunInfo(RUN_ID, dict(INPUT_HASHES), ctx.as_of_date).empreinte
    for pdf in pdfs:
        text = _pdf_text(pdf)
        inputs, _, apart = text.partition("Fichiers refusés ou ignorés")
        assert apart, pdf
        for name, sha in INPUT_HASHES.items():
            assert name in inputs and sha in inputs
        assert QUARANTINED not in inputs and QUARANTINED_SHA not in inputs and UNKNOWN not in inputs
        assert f"({len(INPUT_HASHES)} fichiers, liste en annexe)" in text
        assert f"empreinte des données d'entrée {expected}" in text
        assert QUARANTINED in apart and QUARANTINED_SHA in apart and "en quarantaine" in apart
        assert UNKNOWN in apart and "ignoré" in apart and "source inconnue" in apart
        html = _html_text(Path(pdf).with_suffix(".html"))
        assert html.index(QUARANTINED) > html.index("Fichiers refusés ou ignorés")


def test_without_rejected_files_the_annex_has_no_section_apart(fresh):
    _ingest_record(fresh, dict(INPUT_HASHES), {}, [])
    result = notices_stage(fresh)
    text = _pdf_text(result["notices"]["notification_interessement"][0])
    assert "Fichiers refusés ou ignorés" not in text
    assert all(sha in text for sha in INPUT_HASHES.values())


def test_an_issued_notice_is_not_drawn_again_with_a_later_run_s_inputs(fresh):
    """The April préalable stays as sent; the July décision lists the July run's inputs."""
    april = replace(fresh, as_of="2025-04-01")
    _sql(april, "UPDATE marts.fct_procedure SET etape = 'notification_prealable' WHERE finess_ej = '330000100'")
    _ingest_record(april, dict(INPUT_HASHES), {}, [])
    notices_stage(april)
    sent = {ext: (april.notices / f"{PREALABLE}.{ext}").read_bytes() for ext in ("html", "pdf")}

    _sql(april, "UPDATE marts.fct_procedure SET etape = 'decision' WHERE finess_ej = '330000100'")
    july = _prepared_with_rejects(replace(make_ctx(fresh.out, run_id=LATER), as_of="2025-07-01"))
    result = notices_stage(july)
    for ext, content in sent.items():
        assert (july.notices / f"{PREALABLE}.{ext}").read_bytes() == content
    manifest = json.loads((july.notices / "manifest.json").read_text())
    assert manifest["files"][f"{PREALABLE}.pdf"]["sha256"] == hashlib.sha256(sent["pdf"]).hexdigest()
    assert f"{DECISION}.pdf" in result["issued"]
    inputs, _, apart = _pdf_text(july.notices / f"{DECISION}.pdf").partition("Fichiers refusés ou ignorés")
    assert QUARANTINED in apart and QUARANTINED not in inputs and INPUT_HASHES["phev/phev_2024.csv"] in inputs
