"""The feeds manifest and the run manifest list exactly the inputs the run accepted; a
quarantined file and an unknown source folder are listed apart (issue 10, point 8)."""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "fixtures"))

from valid_landing import BAD_INPUTS, build_landing  # noqa: E402

from caqes_tasks import pipeline  # noqa: E402

QUARANTINED = "phev/negative_amount.csv"


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    """One annual run's ingest and feeds on a landing with one bad file and one unknown folder."""
    root = tmp_path_factory.mktemp("inputs-apart")
    landing = build_landing(root)
    shutil.copy(BAD_INPUTS / "phev" / "negative_amount.csv", landing / "phev" / "negative_amount.csv")
    (landing / "inconnu").mkdir()
    (landing / "inconnu" / "x.csv").write_text("x\n")
    ctx = pipeline.prepare(2024, landing, root / "out", as_of="2025-03-01")
    ingest = pipeline.run_stage("ingest", ctx)
    pipeline.run_stage("feeds", ctx)
    manifest = pipeline.finalize(ctx, "success")
    return ctx, ingest, json.loads(manifest.read_text(encoding="utf-8"))


def test_the_run_is_the_one_described(run):
    ctx, ingest, _ = run
    assert QUARANTINED in ctx.input_hashes  # prepare hashed it: the run id rests on it
    assert ingest["quarantined"] == [QUARANTINED]
    assert [i["file"] for i in ingest["ignored"]] == ["inconnu/"]


def test_feeds_manifest_lists_the_accepted_inputs_and_the_rejected_apart(run):
    ctx, ingest, _ = run
    m = json.loads((ctx.feeds / "latest" / "manifest.json").read_text(encoding="utf-8"))
    assert m["input_hashes"] == ingest["accepted_inputs"]
    assert QUARANTINED not in m["input_hashes"] and not any(k.startswith("inconnu") for k in m["input_hashes"])
    assert "phev/phev_2020_2024.csv" in m["input_hashes"] and any(k.startswith("referentiel/") for k in m["input_hashes"])
    rejected = m["excluded_inputs"]["rejected"]
    assert set(rejected) == {QUARANTINED}
    assert rejected[QUARANTINED]["sha256"] == ctx.input_hashes[QUARANTINED]
    assert rejected[QUARANTINED]["status"] == "quarantined" and rejected[QUARANTINED]["reason"]
    assert [(i["file"], i["kind"]) for i in m["excluded_inputs"]["ignored"]] == [("inconnu/", "source_inconnue")]


def test_run_manifest_lists_the_accepted_inputs_and_the_rejected_apart(run):
    ctx, ingest, m = run
    assert m["run_id"] == ctx.run_id
    assert m["inputs"]["hashes"] == ingest["accepted_inputs"] and m["inputs"]["validated"] is True
    assert QUARANTINED not in m["inputs"]["hashes"]
    assert set(m["inputs"]["hashes"]) == {k for k in ctx.input_hashes if k != QUARANTINED}
    assert set(m["excluded_inputs"]["rejected"]) == {QUARANTINED}
    assert m["excluded_inputs"]["rejected"][QUARANTINED]["sha256"] == ctx.input_hashes[QUARANTINED]
    assert [i["file"] for i in m["excluded_inputs"]["ignored"]] == ["inconnu/"]
