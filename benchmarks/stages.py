"""Seconds and peak memory of each annual stage on a generated landing (region or France size).

    python -m benchmarks.stages --size region            one annual run, stage by stage
    python -m benchmarks.stages --size france --regions 1,6,18   the cost curve by regions
    python -m benchmarks.stages --size france --airflow  the same run through the annual DAG

Every run goes through ``pipeline.prepare`` and ``pipeline.run_stage`` in this process, as
``caqes run`` does, on a fresh out dir; with ``--airflow``, through ``airflow dags test`` of
``caqes_annual`` as ``make run`` does (SQLite metadata under the out dir): the wall time then
includes Airflow starting the run and each task, and a stage's seconds are those its task
logged (no peak memory: the tasks are other processes). A stage's peak memory is this process's resident peak
during the stage (Linux ``VmHWM``, reset before each stage through ``/proc/self/clear_refs``);
helpers the stage starts (notice renderers, the browser printing the report) are counted apart
as the children's peak. A second, unchanged run measures what a re-run costs.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import resource
import tempfile
import time
from datetime import date
from pathlib import Path


def _reset_peak() -> bool:
    try:
        Path("/proc/self/clear_refs").write_text("5")
        return True
    except OSError:
        return False


def _peak_mb() -> float:
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return round(int(line.split()[1]) / 1024, 1)
    except OSError:
        pass
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def _children_peak_mb() -> float:
    return round(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024, 1)


def generate(landing: Path, size: str, seed: int = 2022, regions: int | None = None) -> dict:
    """A demo landing of ``size`` (``regions``: the first k regions of the France size)."""
    from caqes_demo import generate_demo

    kwargs = {"regions": regions} if regions else {}
    t0 = time.perf_counter()
    result = generate_demo(landing, size=size, seed=seed, **kwargs)
    result["seconds"] = round(time.perf_counter() - t0, 2)
    return result


def annual_run(landing: Path, out: Path, year: int, as_of: date) -> dict:
    """One annual run of ``year``, stage by stage: seconds, peak MB, rows."""
    from caqes_tasks.pipeline import check_year, finalize, prepare, run_stage
    from caqes_tasks.stages import ANNUAL

    ctx = prepare(year, landing, out, as_of=as_of)
    stages: dict[str, dict] = {}
    total = time.perf_counter()
    for name in (stage.name for stage in ANNUAL):
        _reset_peak()
        t0 = time.perf_counter()
        result = run_stage(name, ctx)
        stages[name] = {"seconds": round(time.perf_counter() - t0, 2), "peak_mb": _peak_mb()}
        if name == "ingest":
            check_year(ctx, result)
        if name == "notices":
            stages[name]["notices_drawn"] = int((result.get("pdf") or {}).get("drawn") or 0)
        if name == "transform":
            stages[name]["reused_build"] = bool(result.get("reused_build"))
    finalize(ctx, "success")
    return {
        "year": year,
        "as_of": as_of.isoformat(),
        "seconds": round(time.perf_counter() - total, 2),
        "stages": stages,
        "children_peak_mb": _children_peak_mb(),
    }


_DONE = re.compile(r"^\s*(\w+): done in ([0-9.]+) s$")


def dag_run(landing: Path, out: Path, year: int, as_of: date) -> dict:
    """One annual run of ``year`` through ``airflow dags test caqes_annual``: wall seconds, and
    each stage's seconds as its task logged them."""
    from caqes_demo.airflow_local import dags_test

    stages: dict[str, dict] = {}

    def progress(line: str) -> None:
        m = _DONE.match(line)
        if m:
            stages[m.group(1)] = {"seconds": float(m.group(2)), "peak_mb": None}

    total = time.perf_counter()
    conf = {"year": year, "landing": str(landing), "out": str(out), "as_of": as_of.isoformat()}
    dags_test("caqes_annual", conf, home=out / "airflow", logical_date=as_of.isoformat(), progress=progress,
              log_file=out / "airflow" / "logs" / f"annual_{year}_{as_of}.log")
    return {"year": year, "as_of": as_of.isoformat(), "seconds": round(time.perf_counter() - total, 2),
            "stages": stages, "airflow": True}


def bench_size(size: str, year: int = 2024, regions: int | None = None, workdir: Path | None = None,
               airflow: bool = False) -> dict:
    """Generate, run year N as of 15 April N+1, then run it again unchanged (in this process, or
    through the annual DAG with ``airflow``)."""
    root = Path(workdir or tempfile.mkdtemp(prefix="caqes-bench-"))
    landing, out = root / "landing", root / "out"
    generated = generate(landing, size, regions=regions)
    run = dag_run if airflow else annual_run
    first = run(landing, out, year, date(year + 1, 4, 15))
    again = run(landing, out, year, date(year + 1, 4, 15))
    return {
        "size": size,
        "regions": regions,
        "etablissements": generated.get("etablissements"),
        "entites_juridiques": generated.get("entites_juridiques"),
        "generate_seconds": generated["seconds"],
        "first_run": first,
        "unchanged_rerun": again,
        "load_average": os.getloadavg(),  # the machine may be shared
    }


def table(results: list[dict]) -> str:
    """One line per size and stage: seconds, peak MB; then the re-run."""
    lines = [f"{'size':<16}{'stage':<12}{'seconds':>9}{'peak MB':>9}{'re-run s':>10}"]
    for r in results:
        label = r["size"] + (f"/{r['regions']}r" if r.get("regions") else "")
        for name, st in r["first_run"]["stages"].items():
            rerun = r["unchanged_rerun"]["stages"].get(name, {}).get("seconds", "")
            lines.append(f"{label:<16}{name:<12}{st['seconds']:>9}{st['peak_mb'] or '-':>9}{rerun:>10}")
        lines.append(f"{label:<16}{'total':<12}{r['first_run']['seconds']:>9}{'':>9}{r['unchanged_rerun']['seconds']:>10}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", default="region", choices=["small", "region", "france"])
    parser.add_argument("--regions", default="", help="France size only: comma-separated region counts")
    parser.add_argument("--year", type=int, default=2024)
    parser.add_argument("--json", type=Path, default=None)
    parser.add_argument("--airflow", action="store_true", help="run through airflow dags test (caqes_annual)")
    parser.add_argument("--workdir", type=Path, default=None, help="folder for the landing and out (default: a new temp folder)")
    args = parser.parse_args(argv)
    counts = [int(x) for x in args.regions.split(",") if x.strip()] or [None]
    results = [bench_size(args.size, args.year, regions=k, airflow=args.airflow,
                          workdir=(args.workdir / f"{args.size}-{k or 'all'}") if args.workdir else None)
               for k in counts]
    print(table(results))
    if args.json:
        args.json.write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
