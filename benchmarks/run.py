"""Throughput of the pipeline's heavy paths against a plain-DuckDB baseline run in this process.

    make benchmark            (or: python -m benchmarks.run [--quick] [--lines 1e6,1e7] [--only lines])

Each case runs the pipeline's own code and, on the same files, the plainest DuckDB statement
that produces the same rows without the pipeline's guarantees (typing to the contract,
validation, ledger, lineage). The ratio says what those guarantees cost. Results are printed
and written to benchmarks/results/<timestamp>.json (not versioned).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

import duckdb

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "tests" / "fixtures"))


def _timed(fn, repeat: int = 1) -> float:
    best = float("inf")
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t0)
    return best


def bench_finess_reader(tmp: Path, rows: int) -> dict:
    """The official FINESS extract read unchanged and typed vs DuckDB read_csv of the same file."""
    from valid_landing import national_extract

    from caqes_tasks.ingest.readers import read_file

    path = national_extract(tmp / "etalab-cs1100507-stock-2024-05-12.csv", rows, "2024-05-12")
    ours = _timed(lambda: read_file("finess", path), repeat=2)

    def baseline():
        con = duckdb.connect()
        con.execute(
            "SELECT column01 AS finess_geo, column02 AS finess_ej, column03 AS raison_sociale "
            f"FROM read_csv('{path}', delim=';', header=false, skip=1, all_varchar=true, "
            "null_padding=true, quote='\"') WHERE column00 = 'structureet'"
        ).fetchall()
        con.close()

    base = _timed(baseline, repeat=2)
    return {"case": "finess extract read", "rows": rows, "seconds": ours, "baseline_seconds": base}


def bench_ingest_region(tmp: Path) -> dict:
    """Read + GX validation + load of the whole demo region vs DuckDB read_csv into tables."""
    from caqes_demo import generate_demo
    from caqes_tasks.pipeline import prepare, run_stage

    landing = tmp / "region" / "landing"
    generate_demo(landing, size="region")
    ctx = prepare(2024, landing, tmp / "region" / "out", as_of="2025-04-15")
    t0 = time.perf_counter()
    result = run_stage("ingest", ctx)
    ours = time.perf_counter() - t0
    rows = sum(result["rows"].values())
    csvs = [p for p in landing.rglob("*.csv") if p.parent.name not in ("finess", "observations")]

    def baseline():
        con = duckdb.connect(str(tmp / "baseline.duckdb"))
        for i, p in enumerate(csvs):
            con.execute(f"CREATE OR REPLACE TABLE t{i} AS SELECT * FROM read_csv('{p}', delim=';', header=true)")
        con.close()

    base = _timed(baseline)
    return {"case": "ingest demo region (CSV sources)", "rows": rows, "seconds": ours, "baseline_seconds": base,
            "ctx": ctx.to_dict()}


def bench_transform_region(ctx_dict: dict) -> dict:
    """The whole dbt build (staging → marts, tests) on the region vs nothing comparable: timing only."""
    from caqes_tasks.context import RunContext
    from caqes_tasks.pipeline import run_stage

    ctx = RunContext.from_dict(ctx_dict)
    t0 = time.perf_counter()
    result = run_stage("transform", ctx)
    ours = time.perf_counter() - t0
    return {"case": "dbt build demo region", "rows": sum(result["rows"].values()), "seconds": ours,
            "baseline_seconds": None}


def section_sources(tmp: Path, args) -> tuple[list[dict], dict]:
    """FINESS reader, ingest and dbt build of the demo region."""
    finess_rows = 20_000 if args.quick else 100_000
    rows = [bench_finess_reader(tmp, finess_rows)]
    ingest = bench_ingest_region(tmp)
    ctx = ingest.pop("ctx")
    rows.append(ingest)
    rows.append(bench_transform_region(ctx))
    return rows, {"cases": rows}


def section_lines(tmp: Path, args) -> tuple[list[dict], dict]:
    """phev_lines: validation + aggregation vs plain DuckDB and pandas, 10⁶ → 10⁸ lines."""
    from benchmarks.lines import bench_lines

    return bench_lines(tmp, args.lines, Path(args.data))


def section_stages(tmp: Path, args) -> tuple[list[dict], dict]:
    """Each annual stage at region and France size (seconds, peak memory), its unchanged re-run,
    then the notices' drawing rate on the region run and the cost curve by number of regions."""
    from benchmarks.notices import bench_notices
    from benchmarks.stages import bench_size

    rows, results = [], {}
    for size in args.sizes:
        r = results[size] = bench_size(size, workdir=tmp / size, airflow=args.airflow)
        units = r["etablissements"] or 0
        for name, st in r["first_run"]["stages"].items():
            rows.append({"case": f"{size}: {name} (ETs)", "rows": units, "seconds": st["seconds"],
                         "baseline_seconds": None, "peak_mib": st["peak_mb"]})
        rows.append({"case": f"{size}: annual run (ETs)", "rows": units, "seconds": r["first_run"]["seconds"],
                     "baseline_seconds": None})
        rows.append({"case": f"{size}: unchanged re-run (ETs)", "rows": units,
                     "seconds": r["unchanged_rerun"]["seconds"], "baseline_seconds": None})
    if "region" in results:
        n = bench_notices(tmp / "region" / "out", workers=2)
        results["notices"] = n
        rows.append({"case": "notices HTML + PDF, 2 processes", "rows": n["notices"], "seconds": n["render_seconds"],
                     "baseline_seconds": None})
    curve = []
    for k in args.regions:
        r = bench_size("france", regions=k, workdir=tmp / f"france-{k}")
        curve.append({"regions": k, "etablissements": r["etablissements"], "seconds": r["first_run"]["seconds"],
                      "stages": {n: st["seconds"] for n, st in r["first_run"]["stages"].items()}})
        rows.append({"case": f"france {k} region(s): annual run (ETs)", "rows": r["etablissements"] or 0,
                     "seconds": r["first_run"]["seconds"], "baseline_seconds": None})
    results["curve_by_regions"] = curve
    return rows, results


# Each section: (name, function(tmp, args) -> (rows of the table, JSON of the section)).
SECTIONS = [("sources", section_sources), ("lines", section_lines), ("stages", section_stages)]


def _sizes(text: str) -> list[int]:
    try:
        return [int(float(x)) for x in text.split(",") if x.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError(f"--lines attend des volumes séparés par des virgules (1e6,1e7) : {text}") from None


def print_table(rows: list[dict]) -> None:
    print(f"{'case':48} {'rows':>11} {'s':>8} {'rows/s':>11} {'baseline s':>11} {'ratio':>7} {'peak MiB':>9}")
    for r in rows:
        base = r.get("baseline_seconds")
        r["rows_per_second"] = round(r["rows"] / r["seconds"]) if r["seconds"] else None
        r["ratio_to_baseline"] = round(r["seconds"] / base, 2) if base else None
        peak = r.get("peak_mib")
        print(
            f"{r['case']:48} {r['rows']:>11} {r['seconds']:>8.2f} {r['rows_per_second'] or 0:>11} "
            f"{(f'{base:.2f}' if base else '-'):>11} {(r['ratio_to_baseline'] or '-'):>7} {(peak if peak else '-'):>9}"
        )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smaller volumes (and --lines 1e6 unless given)")
    parser.add_argument("--lines", type=_sizes, default=None,
                        help="volumes of phev_lines lines, comma-separated (default 1e6,1e7,1e8)")
    parser.add_argument("--data", default=str(Path(tempfile.gettempdir()) / "caqes-bench-lines"),
                        help="folder where the generated Parquet lines are kept and reused")
    parser.add_argument("--only", default="", help="sections to run, comma-separated (" +
                        ", ".join(n for n, _ in SECTIONS) + ")")
    parser.add_argument("--sizes", default=None,
                        help="demo sizes of the stage section, comma-separated (default region,france)")
    parser.add_argument("--airflow", action="store_true",
                        help="stages: the runs of --sizes through airflow dags test (caqes_annual), as make run does")
    parser.add_argument("--regions", default=None,
                        help="cost curve: numbers of regions of the France size (default 1,6,12,18; quick: none)")
    args = parser.parse_args(argv)
    args.sizes = [x.strip() for x in (args.sizes or ("region" if args.quick else "region,france")).split(",") if x.strip()]
    args.regions = [int(x) for x in (args.regions or ("" if args.quick else "1,6,12,18")).split(",") if x.strip()]
    if args.lines is None:
        args.lines = [1_000_000] if args.quick else [1_000_000, 10_000_000, 100_000_000]
    only = {s.strip() for s in args.only.split(",") if s.strip()}
    rows, sections = [], {}
    load_start = os.getloadavg()  # the machine may be shared: every figure goes with its load
    with tempfile.TemporaryDirectory() as d:
        for name, fn in SECTIONS:
            if only and name not in only:
                continue
            part = Path(d) / name
            part.mkdir()
            section_rows, sections[name] = fn(part, args)
            rows += section_rows
    print_table(rows)
    load = {"start": load_start, "end": os.getloadavg()}
    print("load average (1, 5, 15 min): start " + " ".join(f"{x:.2f}" for x in load["start"])
          + ", end " + " ".join(f"{x:.2f}" for x in load["end"]))
    out = REPO / "benchmarks" / "results"
    out.mkdir(exist_ok=True)
    stamp = datetime.now().strftime("%Y%m%dT%H%M%S")
    path = out / f"{stamp}.json"
    path.write_text(json.dumps({"machine": platform.platform(), "python": platform.python_version(),
                                "cpus": os.cpu_count(), "load_average": load, "rows": rows, "sections": sections}, indent=2, default=str))
    print(f"JSON : {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
