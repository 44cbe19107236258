"""The run manifest: ``ctx.run_dir/manifest.json``, one per run (data-contract, Outputs).

It records what a run read (inputs and their SHA-256, the référentiel's path, version and
SHA-256; see :func:`run_inputs`), with what code (package versions), what each stage produced (row counts, outputs),
how long each stage took, the validation outcome and the run's outcome. Keys are sorted and no
field depends on the machine's clock except the timings given by the caller.
"""

from __future__ import annotations

import json
import os
import uuid
from importlib import metadata
from pathlib import Path

from caqes_tasks.context import RunContext
from caqes_tasks.referentiel import load_referentiel

MANIFEST_VERSION = "1.0"
PACKAGES = ("apache-airflow", "dbt-core", "dbt-duckdb", "great-expectations", "pandas", "duckdb", "caqes")


def package_versions() -> dict[str, str | None]:
    """Installed version of each package of PACKAGES (None when not installed)."""
    versions: dict[str, str | None] = {}
    for name in PACKAGES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = None
    return versions


def referentiel_entry(path: Path) -> dict:
    """Path, campaign, version and SHA-256 of the référentiel; the error if it cannot be read."""
    try:
        ref = load_referentiel(path)
    except Exception as exc:  # noqa: BLE001 - a failed run still gets its manifest
        return {"path": str(path), "error": f"{type(exc).__name__}: {exc}"}
    return {"path": str(ref.path), "campagne": ref.campagne, "version": ref.version, "sha256": ref.sha256}


def ingest_result(ctx: RunContext) -> dict | None:
    """The ingest stage's result kept for this run (``run_dir/stages/ingest.json``), if any."""
    path = ctx.run_dir / "stages" / "ingest.json"
    try:
        record = json.loads(path.read_text(encoding="utf-8"))
    except (FileNotFoundError, NotADirectoryError, ValueError):
        return None
    result = record.get("result") if isinstance(record, dict) else None
    return result if isinstance(result, dict) else None


def run_inputs(ctx: RunContext, ingest: dict | None = None) -> dict:
    """What the run's results rest on, and the files of the landing zone they do not rest on.

    ``accepted``: ``{key: sha256}`` of the inputs ingest accepted (landing files whose rows the
    warehouse holds, ``sources.yml``, ``referentiel/<file>``). ``rejected``: ``{key: {sha256,
    status, reason}}`` (quarantined, waiting, refused); ``ignored``: ``[{file, kind, reason}]``
    (unknown source folder, file at the landing root, late file, …). Both are listed apart,
    never as inputs. ``validated`` is False when the run has no ingest result (ingest did not
    complete, or a stage called on its own): ``accepted`` is then the set prepared for the run.
    ``ingest`` defaults to the result kept under the run folder.
    """
    if ingest is None:
        ingest = ingest_result(ctx)
    if ingest and isinstance(ingest.get("accepted_inputs"), dict):
        return {
            "accepted": dict(sorted(ingest["accepted_inputs"].items())),
            "validated": True,
            "rejected": dict(sorted((ingest.get("rejected_inputs") or {}).items())),
            "ignored": sorted((dict(i) for i in ingest.get("ignored") or []), key=lambda i: (str(i.get("file")), str(i.get("kind")))),
        }
    return {"accepted": dict(sorted(ctx.input_hashes.items())), "validated": False, "rejected": {}, "ignored": []}


def build_run_manifest(
    ctx: RunContext, stages: dict[str, dict], timings: dict[str, float], outcome: str
) -> dict:
    """The manifest as a JSON-ready dict (see module docstring)."""
    ingest = stages.get("ingest") or {}
    inputs = run_inputs(ctx, ingest)
    return {
        "manifest_version": MANIFEST_VERSION,
        "run_id": ctx.run_id,
        "orchestrator_run_id": ctx.orchestrator_run_id,
        "annee": ctx.year,
        "as_of": ctx.as_of,
        "outcome": outcome,
        "inputs": {"landing": str(ctx.landing), "hashes": inputs["accepted"], "validated": inputs["validated"]},
        "excluded_inputs": {"rejected": inputs["rejected"], "ignored": inputs["ignored"]},
        "referentiel": referentiel_entry(ctx.referentiel),
        "packages": package_versions(),
        "rows": {name: (s or {}).get("rows") for name, s in stages.items()},
        "timings_s": {name: round(float(t), 3) for name, t in timings.items()},
        "validation": {
            "years": ingest.get("years"),
            "quarantined": ingest.get("quarantined"),
        },
        "outputs": {name: (s or {}).get("outputs") for name, s in stages.items()},
    }


def write_run_manifest(
    ctx: RunContext, stages: dict[str, dict], timings: dict[str, float], outcome: str
) -> Path:
    """Write ``ctx.run_dir/manifest.json`` atomically and return its path."""
    data = build_run_manifest(ctx, stages, timings, outcome)
    ctx.run_dir.mkdir(parents=True, exist_ok=True)
    path = ctx.run_dir / "manifest.json"
    tmp = path.with_name(f".manifest.json.tmp-{os.getpid()}-{uuid.uuid4().hex[:8]}")
    tmp.write_text(
        json.dumps(data, sort_keys=True, indent=2, ensure_ascii=False, default=str) + "\n", encoding="utf-8"
    )
    os.replace(tmp, path)
    return path
