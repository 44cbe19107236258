import shutil
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "fixtures"))

from servers import HttpSink, SmtpSink  # noqa: E402
from valid_landing import build_landing  # noqa: E402

from caqes_tasks.context import RunContext  # noqa: E402

ALERT_VARS = ("CAQES_ALERT_SMTP_HOST", "CAQES_ALERT_SMTP_PORT", "CAQES_ALERT_SMTP_STARTTLS", "CAQES_ALERT_SMTP_USER",
              "CAQES_ALERT_SMTP_PASSWORD", "CAQES_ALERT_FROM", "CAQES_ALERT_TO", "CAQES_ALERT_WEBHOOK_URL",
              "CAQES_REPORT_BASE_URL", "CAQES_ALERT_SMTP_SSL")


@pytest.fixture(autouse=True)
def no_alert_env(monkeypatch):
    for var in ALERT_VARS:
        monkeypatch.delenv(var, raising=False)


@pytest.fixture(scope="session")
def loaded_base(tmp_path_factory):
    """A valid landing folder ingested once: (root with landing/ and out/, first result)."""
    from caqes_tasks.ingest.stage import ingest_stage

    root = tmp_path_factory.mktemp("base")
    landing = build_landing(root)
    result = ingest_stage(RunContext(year=2024, landing=landing, out=root / "out", as_of="2025-03-01"))
    assert result["quarantined"] == [], result
    return root, result


@pytest.fixture
def loaded(loaded_base, tmp_path):
    """A private copy of the ingested base: returns a RunContext on it."""
    root, _ = loaded_base
    shutil.copytree(root / "landing", tmp_path / "landing")
    shutil.copytree(root / "out", tmp_path / "out")
    return RunContext(year=2024, landing=tmp_path / "landing", out=tmp_path / "out", as_of="2025-03-02")


@pytest.fixture
def alert_sinks(monkeypatch):
    with SmtpSink() as smtp, HttpSink() as http:
        monkeypatch.setenv("CAQES_ALERT_SMTP_HOST", "127.0.0.1")
        monkeypatch.setenv("CAQES_ALERT_SMTP_PORT", str(smtp.port))
        monkeypatch.setenv("CAQES_ALERT_FROM", "caqes@ars.example")
        monkeypatch.setenv("CAQES_ALERT_TO", "qualite@ars.example; dsp@ars.example")
        monkeypatch.setenv("CAQES_ALERT_WEBHOOK_URL", http.url)
        monkeypatch.setenv("CAQES_REPORT_BASE_URL", "https://caqes.ars.example/out")
        yield smtp, http
