"""Throughput of the pipeline's heavy paths against a plain-DuckDB baseline run in this process.

    make benchmark            (or: python -m benchmarks.run [--quick])

Each case runs the pipeline's own code and, on the same files, the plainest DuckDB statement
that produces the same rows without the pipeline's guarantees (typing to the contract,
validation, ledger, lineage). The ratio says what those guarantees cost. Results are printed
and written to benchmarks/results/<timestamp>.json (not versioned).
"""

from __future__ import annotations

import argparse
import json
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


def bench_phev_lines(tmp: Path, rows: int) -> dict:
    """phev_lines Parquet aggregated by the incremental dbt model vs a plain DuckDB GROUP BY;
    then one new partition: the incremental run only reads it."""
    from caqes_demo import generate_phev_lines
    from caqes_tasks.transform.runner import run_dbt
    from caqes_tasks.warehouse import connect
    from caqes_tasks.warehouse.schema import create_schemas

    folder = tmp / "phev_lines"
    ets = [f"33{i:06d}" for i in range(300)]
    from caqes_tasks.finess.numbers import luhn_key

    ets = [e[:8] + luhn_key(e[:8]) for e in ets]
    generate_phev_lines(folder, year=2023, finess_geo=ets, rows=rows)
    warehouse = tmp / "lines.duckdb"
    with connect(warehouse) as con:
        create_schemas(con)
    env = {"CAQES_WAREHOUSE": str(warehouse)}
    dbt_vars = {"phev_lines_path": str(folder), "year": 2023}

    def ours():
        res = run_dbt(["run"], work_dir=tmp / "dbt", dbt_vars=dbt_vars, env=env, select="stg_phev_lines")
        if not res.success:
            raise RuntimeError("dbt run of stg_phev_lines failed")

    first = _timed(ours)

    def baseline():
        con = duckdb.connect()
        con.execute(
            "SELECT finess_geo, year(date_execution) AS annee, indicateur, sum(montant_rembourse), sum(quantite) "
            f"FROM read_parquet('{folder}/**/*.parquet') GROUP BY ALL"
        ).fetchall()
        con.close()

    base = _timed(baseline, repeat=2)
    generate_phev_lines(folder, year=2024, finess_geo=ets, rows=max(rows // 10, 1000), seed=7)
    incremental = _timed(ours)
    return {"case": "phev_lines aggregation (dbt incremental)", "rows": rows, "seconds": first,
            "baseline_seconds": base, "incremental_new_partition_seconds": incremental}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smaller volumes")
    args = parser.parse_args(argv)
    finess_rows = 20_000 if args.quick else 100_000
    line_rows = 200_000 if args.quick else 5_000_000
    results = []
    with tempfile.TemporaryDirectory() as d:
        tmp = Path(d)
        results.append(bench_finess_reader(tmp, finess_rows))
        ingest = bench_ingest_region(tmp)
        ctx = ingest.pop("ctx")
        results.append(ingest)
        results.append(bench_transform_region(ctx))
        results.append(bench_phev_lines(tmp, line_rows))
    print(f"{'case':45} {'rows':>10} {'s':>8} {'rows/s':>11} {'baseline s':>11} {'ratio':>7}")
    for r in results:
        base = r["baseline_seconds"]
        r["rows_per_second"] = round(r["rows"] / r["seconds"]) if r["seconds"] else None
        r["ratio_to_baseline"] = round(r["seconds"] / base, 2) if base else None
        print(
            f"{r['case']:45} {r['rows']:>10} {r['seconds']:>8.2f} {r['rows_per_second'] or 0:>11} "
            f"{(f'{base:.2f}' if base else '-'):>11} {(r['ratio_to_baseline'] or '-'):>7}"
        )
        if "incremental_new_partition_seconds" in r:
            print(f"{'  + one new partition (incremental)':45} {'':>10} {r['incremental_new_partition_seconds']:>8.2f}")
    out = REPO / "benchmarks" / "results"
    out.mkdir(exist_ok=True)
    stamp = datetime.now().strftime("%Y%m%dT%H%M%S")
    (out / f"{stamp}.json").write_text(
        json.dumps({"machine": platform.platform(), "python": platform.python_version(), "results": results}, indent=2)
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
