"""The optional source ``autoevaluations`` (self-assessment per EJ × year × theme): a valid file
is loaded typed into raw.autoevaluations; a file with an unknown realisation is quarantined
with the rule it breaks, and only its year is blocked."""

from __future__ import annotations

import sys
from pathlib import Path

import duckdb

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "fixtures"))
from valid_landing import build_landing  # noqa: E402

from caqes_tasks.context import RunContext  # noqa: E402


def test_autoevaluations_are_validated_and_loaded(tmp_path, monkeypatch):
    from caqes_tasks.ingest.stage import ingest_stage

    for var in ("CAQES_ALERT_SMTP_HOST", "CAQES_ALERT_TO", "CAQES_ALERT_WEBHOOK_URL"):
        monkeypatch.delenv(var, raising=False)
    landing = build_landing(tmp_path)
    folder = landing / "autoevaluations"
    folder.mkdir()
    (folder / "autoevaluations_2023.csv").write_text(
        "finess_ej;annee;theme;realisation;commentaire\n"
        '640780003;2023;ATB;partiel;"Audit des prescriptions ; relance des prescripteurs"\n'
        "640780003;2023;IATRO;realise;\n", encoding="utf-8")  # fmt: skip
    (folder / "autoevaluations_2024.csv").write_text(
        "finess_ej;annee;theme;realisation;commentaire\n640780003;2024;ATB;fait;\n", encoding="utf-8"
    )
    result = ingest_stage(RunContext(year=2024, landing=landing, out=tmp_path / "out", as_of="2025-03-01"))

    assert "autoevaluations/autoevaluations_2023.csv" in result["loaded"]
    assert result["quarantined"] == ["autoevaluations/autoevaluations_2024.csv"]
    assert result["years"]["2024"]["status"] == "blocked"
    assert result["years"]["2023"]["status"] == "ok"
    reasons = " ".join(result["years"]["2024"]["reasons"])
    assert "autoevaluations_2024.csv" in reasons and "realise, partiel ou non_realise" in reasons
    con = duckdb.connect(str(tmp_path / "out" / "warehouse" / "caqes.duckdb"), read_only=True)
    try:
        rows = con.execute("SELECT finess_ej, annee, theme, realisation, commentaire FROM raw.autoevaluations ORDER BY theme").fetchall()
    finally:
        con.close()
    assert rows == [
        ("640780003", 2023, "ATB", "partiel", "Audit des prescriptions ; relance des prescripteurs"),
        ("640780003", 2023, "IATRO", "realise", None),
    ]
