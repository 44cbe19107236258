"""The run manifest records inputs, référentiel, packages, rows, timings, validation, outputs."""

import hashlib
import json
from importlib import metadata

import duckdb

from caqes_tasks.feeds import feeds_stage, write_run_manifest
from caqes_tasks.referentiel import load_referentiel


def _stages(ctx):
    return {
        "ingest": {
            "rows": {"phev": 120, "finess": 7},
            "outputs": {"ledger": "meta.ledger"},
            "years": {"2023": "ok", "2022": "ok"},
            "quarantined": [],
        },
        "feeds": feeds_stage(ctx),
    }


def test_run_manifest_content(ctx):
    stages = _stages(ctx)
    path = write_run_manifest(ctx, stages, {"ingest": 1.23456, "feeds": 0.5}, "success")
    assert path == ctx.run_dir / "manifest.json"
    m = json.loads(path.read_text(encoding="utf-8"))
    assert m["run_id"] == ctx.run_id and m["annee"] == 2023 and m["outcome"] == "success"
    assert m["inputs"]["hashes"] == ctx.input_hashes and m["inputs"]["validated"] is False  # no ingest result
    assert m["excluded_inputs"] == {"rejected": {}, "ignored": []}
    assert m["referentiel"]["path"] == str(ctx.referentiel)
    assert m["referentiel"]["sha256"] == hashlib.sha256(ctx.referentiel.read_bytes()).hexdigest()
    assert m["referentiel"]["version"] == load_referentiel(ctx.referentiel).version
    assert m["packages"]["duckdb"] == duckdb.__version__
    assert m["packages"]["caqes"] == metadata.version("caqes")
    assert set(m["packages"]) == {"apache-airflow", "dbt-core", "dbt-duckdb", "great-expectations", "pandas", "duckdb", "caqes"}
    assert m["rows"]["ingest"] == {"phev": 120, "finess": 7}
    assert m["rows"]["feeds"]["fct_sanction"] == 2
    assert m["timings_s"] == {"ingest": 1.235, "feeds": 0.5}
    assert m["validation"] == {"years": {"2022": "ok", "2023": "ok"}, "quarantined": []}
    assert m["outputs"]["feeds"]["latest"] == str(ctx.feeds / "latest")


def test_run_manifest_is_deterministic_with_sorted_keys(ctx):
    stages = _stages(ctx)
    a = write_run_manifest(ctx, stages, {"feeds": 0.5, "ingest": 1.0}, "success").read_bytes()
    reordered = dict(reversed(list(stages.items())))
    b = write_run_manifest(ctx, reordered, {"ingest": 1.0, "feeds": 0.5}, "success").read_bytes()
    assert a == b
    text = a.decode()
    top = list(json.loads(text))
    assert top == sorted(top)
    assert not list(ctx.run_dir.glob(".manifest*"))  # no temporary file left


def test_run_manifest_of_a_failed_run_with_a_broken_referentiel(ctx, tmp_path):
    from dataclasses import replace

    bad = tmp_path / "broken.yml"
    bad.write_text("version: x\n", encoding="utf-8")
    c = replace(ctx, referentiel=bad)
    stages = {"ingest": {"rows": {}, "outputs": {}, "years": {"2023": "quarantined"}, "quarantined": ["phev/x.csv"]}}
    m = json.loads(write_run_manifest(c, stages, {"ingest": 0.1}, "failed").read_text(encoding="utf-8"))
    assert m["outcome"] == "failed"
    assert m["referentiel"]["path"] == str(bad) and "error" in m["referentiel"]
    assert m["validation"]["quarantined"] == ["phev/x.csv"]
