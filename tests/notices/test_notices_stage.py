"""The notices stage: which notices, which withheld, idempotent re-runs, earlier runs kept."""

from __future__ import annotations

import csv
import hashlib
import json
from pathlib import Path

from notices_fixtures import RUN_ID, build_warehouse, make_ctx

from caqes_tasks.notices.stage import notices_stage

KINDS = ("notification_prealable", "decision_sanction", "notification_interessement")


def _tree(folder: Path) -> dict[str, str]:
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def test_counts_and_paths(published):
    ctx, result = published
    assert result["counts"] == {"notification_prealable": 3, "decision_sanction": 1, "notification_interessement": 2}
    assert result["notices"]["decision_sanction"] == [str(ctx.notices / "330000100" / "decision_sanction.pdf")]
    assert sorted(p.name for p in (ctx.notices / "330000100").iterdir()) == sorted(
        f"{k}.{ext}" for k in KINDS for ext in ("html", "pdf")
    )
    for ej in ("870000106", "240000109"):  # décision not due: receipt awaited, deadline running
        assert sorted(p.name for p in (ctx.notices / ej).iterdir()) == [
            "notification_prealable.html",
            "notification_prealable.pdf",
        ]
    assert sorted(p.name for p in (ctx.notices / "640000105").iterdir()) == [
        "notification_interessement.html",
        "notification_interessement.pdf",
    ]
    # withheld (fct_retenue) and not yet due (no procedure engaged): no folder at all
    assert not (ctx.notices / "170000103").exists()
    assert not (ctx.notices / "170000202").exists()
    assert result["en_attente"] == [
        {"finess_ej": "170000202", "etape": None, "raison": "aucune procédure engagée"},
        {"finess_ej": "240000109", "etape": "notification_prealable", "raison": "délai d'observations en cours"},
        {
            "finess_ej": "640000105", "etape": "notification_prealable",
            "raison": "en attente de la date de réception de la notification préalable : le délai d'observations ne court pas",
        },
        {
            "finess_ej": "870000106", "etape": "notification_prealable",
            "raison": "en attente de la date de réception de la notification préalable : le délai d'observations ne court pas",
        },
    ]  # fmt: skip
    json.dumps(result)  # travels as an XCom


def test_retenues_listed_with_reason(published):
    ctx, _ = published
    with open(ctx.notices / "retenues.csv", encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.DictReader(fh, delimiter=";"))
    by_obj = {(r["finess_ej"], r["objet"]): r for r in rows}
    assert by_obj[("640000105", "sanction")]["notices_retenues"] == "notification_prealable"
    assert "quarantaine" in by_obj[("640000105", "sanction")]["raison"]
    assert by_obj[("170000103", "sanction")]["notices_retenues"] == ""  # no sanction notice was due
    assert by_obj[("170000103", "mystere")]["notices_retenues"] == "notification_interessement"
    assert "objet inconnu" in by_obj[("170000103", "mystere")]["raison"]
    assert all(r["run_id"] == RUN_ID for r in rows)
    html = (ctx.notices / "retenues.html").read_text(encoding="utf-8")
    assert "Polyclinique de l&#39;Adour" in html and "produits AM 2024 absents : sanction non calculée" in html
    assert "170000202" in html  # no procedure engaged yet
    assert "Procédures en attente" in html and "délai d&#39;observations en cours" in html
    # a reservation on one component withholds nothing: the notice lists it
    comp = by_obj[("330000100", "interessement_national:NAT_3:330000308")]
    assert comp["notices_retenues"] == ""


def test_rerun_writes_identical_files(published):
    ctx, first = published
    before = _tree(ctx.notices)
    again = notices_stage(ctx)
    assert _tree(ctx.notices) == before
    assert again["issued"] == [] and again["switched"] is False
    assert again["pdf"] == {"drawn": 0, "kept": sum(first["counts"].values())}
    assert again["counts"] == first["counts"]


def test_warehouse_is_only_read(published):
    ctx, _ = published
    digest = hashlib.sha256(ctx.warehouse.read_bytes()).hexdigest()
    notices_stage(ctx)
    assert hashlib.sha256(ctx.warehouse.read_bytes()).hexdigest() == digest


def test_later_run_keeps_earlier_notices(tmp_path):
    """A later run of the year keeps every notice issued before byte for byte (never drawn again
    with its own reference) and keeps the earlier run's folder."""
    ctx = make_ctx(tmp_path)
    ctx.warehouse.parent.mkdir(parents=True)
    build_warehouse(ctx.warehouse)
    notices_stage(ctx)
    first = _tree(ctx.notices)
    first_folder = ctx.notices.resolve()

    later = make_ctx(tmp_path, run_id="2024-fedcba987654")
    result = notices_stage(later)
    assert result["issued"] == [] and result["pdf"]["drawn"] == 0
    after = _tree(ctx.notices)
    assert {k: h for k, h in after.items() if k not in ("manifest.json", "retenues.csv", "retenues.html")} == {
        k: h for k, h in first.items() if k not in ("manifest.json", "retenues.csv", "retenues.html")
    }
    assert _tree(first_folder) == first  # the earlier run's complete set is kept as it was
    manifest = json.loads((ctx.notices / "manifest.json").read_text())
    assert manifest["run_id"] == "2024-fedcba987654"
    assert {e["run_id"] for e in manifest["issued"].values()} == {RUN_ID}
