"""Line-level PHEV (``phev_lines``): the pipeline's validation + aggregation against plain DuckDB and pandas.

For each volume (10⁶, 10⁷, 10⁸ lines by default; files of 10⁶ lines over 4,500 ETs, one year,
as the demo generator writes them), in this process and on the same files:

- **pipeline**: the ingest stage (Great Expectations already imported: its import, a fixed cost
  of every ingest run whatever the volume, is reported apart) on a landing zone holding only those files (hash check, every
  rule of the data contract over every line, GX report and Data Docs, ledger, aggregate written
  to ``raw.phev_lines_agg``), DuckDB memory limit and temp directory set as in production;
- **plain DuckDB GROUP BY**: one statement, no check, at the grain the models need (ET × year ×
  month × indicator) and at the yearly grain (ET × year × indicator);
- **pandas** (at 10⁷ only): the straightforward version — read the files, check the same rules
  with vectorised pandas, group by.

Then one new file of 10⁶ lines is delivered: the incremental run reads it alone. The peak
resident memory of each case is sampled (the process's RSS above what it held before the case).
The generated files are kept under ``--data`` and reused by the next run.
"""

from __future__ import annotations

import os
import shutil
import threading
import time
from pathlib import Path

import duckdb

ROWS_PER_FILE = 1_000_000
ETS = 4_500
YEAR = 2023


def generate_phev_lines(*args, **kwargs):
    """The demo generator of lines (the only import of the demo package here)."""
    from caqes_demo import generate_phev_lines as generate

    return generate(*args, **kwargs)


def _ets() -> list[str]:
    from caqes_tasks.finess.numbers import luhn_key

    return [f"33{i:06d}" + luhn_key(f"33{i:06d}") for i in range(ETS)]


class PeakRss:
    """Peak resident memory of this process while the block runs (sampled every 20 ms), in MiB."""

    def __init__(self):
        import psutil

        self.proc = psutil.Process()
        self.peak = 0
        self._stop = threading.Event()

    def _sample(self):
        while not self._stop.is_set():
            self.peak = max(self.peak, self.proc.memory_info().rss)
            self._stop.wait(0.02)

    def __enter__(self):
        self.base = self.proc.memory_info().rss
        self.peak = self.base
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()
        self.mib = round(self.peak / 2**20)
        self.added_mib = round((self.peak - self.base) / 2**20)


def _timed(fn):
    """Wall seconds, peak RSS (MiB) and CPU seconds of this process (DuckDB's threads included:
    less sensitive than the wall time to other jobs on the machine)."""
    with PeakRss() as mem:
        c0 = time.process_time()
        t0 = time.perf_counter()
        fn()
        seconds = time.perf_counter() - t0
        cpu = time.process_time() - c0
    return seconds, mem.mib, cpu


def source_files(data: Path, lines: int) -> list[Path]:
    """``lines`` lines of YEAR in files of 10⁶ lines, generated once under ``data`` and reused."""
    folder = data / "source" / f"annee={YEAR}"
    n = max(1, lines // ROWS_PER_FILE)
    have = sorted(folder.glob("part-*.parquet"), key=lambda p: int(p.stem.split("-")[1])) if folder.is_dir() else []
    if len(have) < n:
        marker = data / "source" / "COMPLETE"
        marker.unlink(missing_ok=True)
        generate_phev_lines(data / "source", year=YEAR, finess_geo=_ets(), rows=n * ROWS_PER_FILE)
        marker.write_text(str(n * ROWS_PER_FILE))
        have = sorted(folder.glob("part-*.parquet"), key=lambda p: int(p.stem.split("-")[1]))
    return have[:n]


def _landing(root: Path, files: list[Path]) -> Path:
    landing = root / "landing"
    target = landing / "phev_lines" / f"annee={YEAR}"
    target.mkdir(parents=True, exist_ok=True)
    for f in files:
        try:
            os.link(f, target / f.name)
        except OSError:
            shutil.copyfile(f, target / f.name)
    return landing


def _register(warehouse: Path) -> None:
    """raw.finess: the 4,500 ETs of the generated lines, known for YEAR (what the rule checks)."""
    from caqes_tasks.warehouse.schema import create_schemas

    warehouse.parent.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect(str(warehouse))
    try:
        create_schemas(con)
        con.executemany(
            "INSERT INTO raw.finess (extract_date, annee, finess_geo, finess_ej, _file, _sha256, _line) "
            "VALUES (?, ?, ?, ?, 'bench.csv', '0', ?)",
            [[f"{YEAR}-01-15", YEAR, et, "330000001", i + 2] for i, et in enumerate(_ets())])
    finally:
        con.close()


def _ingest(landing: Path, out: Path) -> dict:
    from caqes_tasks.context import RunContext
    from caqes_tasks.ingest.landing import scan_landing
    from caqes_tasks.ingest.stage import ingest_stage

    hashes = scan_landing(landing)  # what pipeline.prepare does before the stage
    ctx = RunContext(year=YEAR + 1, landing=landing, out=out, as_of=f"{YEAR + 2}-03-01", input_hashes=hashes)
    result = ingest_stage(ctx)
    if result["quarantined"] or not result["loaded"]:
        raise RuntimeError(f"benchmark lines refused: {result['quarantined']}")
    return result


def plain_sql(files: list[Path], monthly: bool) -> str:
    lst = "[" + ", ".join(f"'{f}'" for f in files) + "]"
    month = ", month(date_execution) AS mois" if monthly else ""
    return (f"SELECT finess_geo, year(date_execution) AS annee{month}, indicateur, sum(montant_rembourse) AS montant, "
            f"sum(quantite) AS volume, count(*) AS nb_lignes FROM read_parquet({lst}) GROUP BY ALL")


def _plain(files: list[Path], monthly: bool, tmp: Path) -> int:
    con = duckdb.connect()
    try:
        con.execute("SET memory_limit = '2GB'")
        con.execute(f"SET temp_directory = '{tmp}'")
        return len(con.execute(plain_sql(files, monthly)).fetchall())
    finally:
        con.close()


def pandas_version(files: list[Path], indicateurs: list[str], known: set[str], years: list[int]):
    """Validation + aggregation written plainly with pandas (the comparison, not the pipeline)."""
    import pandas as pd

    from caqes_tasks.finess.numbers import check_finess

    df = pd.concat([pd.read_parquet(f) for f in files], ignore_index=True)
    dates = pd.to_datetime(df["date_execution"])
    df["annee"], df["mois"] = dates.dt.year, dates.dt.month
    geo_ok = {g: check_finess(g).ok for g in df["finess_geo"].dropna().unique()}
    failing = {
        "finess": (~df["finess_geo"].map(geo_ok).fillna(False).astype(bool)).sum(),
        "et": (~df["finess_geo"].isin(known)).sum(),
        "date": (~df["annee"].isin(years)).sum(),
        "indicateur": (~df["indicateur"].isin(indicateurs)).sum(),
        "code": (~df["code"].fillna("").str.fullmatch(r"[0-9A-Za-z]{1,20}")).sum(),
        "montant": (df["montant_rembourse"].isna() | (df["montant_rembourse"] < 0)).sum(),
        "quantite": (df["quantite"].isna() | (df["quantite"] < 0)).sum(),
    }
    if any(failing.values()):
        raise RuntimeError(f"pandas version found failures: {failing}")
    agg = df.groupby(["finess_geo", "annee", "mois", "indicateur"], sort=False).agg(
        montant=("montant_rembourse", "sum"), volume=("quantite", "sum"), nb_lignes=("quantite", "size"))
    return len(agg)


def bench_lines(tmp: Path, sizes: list[int], data: Path, pandas_at: int = 10_000_000) -> tuple[list[dict], dict]:
    """Rows for the printed table and the JSON of the line-level section."""
    from caqes_tasks.referentiel import load_referentiel

    ref = load_referentiel()
    t0 = time.perf_counter()
    import great_expectations  # noqa: F401 - a fixed cost of the ingest process, measured apart

    gx_import = time.perf_counter() - t0
    rows, cases = [], []
    for n in sizes:
        files = source_files(data, n)
        lines = len(files) * ROWS_PER_FILE
        root = tmp / f"lines-{lines}"
        shutil.rmtree(root, ignore_errors=True)
        landing = _landing(root, files)
        out = root / "out"
        _register(out / "warehouse" / "caqes.duckdb")
        spill = root / "spill"
        spill.mkdir(parents=True, exist_ok=True)
        # plain first and last: the page cache is warm for every case, each baseline is the best of two
        plain_month_1, mem_month, cpu_month_1 = _timed(lambda: _plain(files, True, spill))
        plain_year_1, mem_year, cpu_year_1 = _timed(lambda: _plain(files, False, spill))
        ours, mem_ours, cpu_ours = _timed(lambda: _ingest(landing, out))
        plain_year_2, _, cpu_year_2 = _timed(lambda: _plain(files, False, spill))
        plain_month_2, _, cpu_month_2 = _timed(lambda: _plain(files, True, spill))
        plain_month, plain_year = min(plain_month_1, plain_month_2), min(plain_year_1, plain_year_2)
        cpu_month, cpu_year = min(cpu_month_1, cpu_month_2), min(cpu_year_1, cpu_year_2)
        new = _landing(root, [])  # one more file of 10⁶ lines: the incremental run reads it alone
        extra = data / "extra" / f"annee={YEAR}"
        if not extra.is_dir():
            generate_phev_lines(data / "extra", year=YEAR, finess_geo=_ets(), rows=ROWS_PER_FILE, seed=7)
        os.link(extra / "part-0.parquet", new / "phev_lines" / f"annee={YEAR}" / "part-new.parquet")
        incremental, _, _ = _timed(lambda: _ingest(new, out))
        case = {
            "lines": lines, "files": len(files), "pipeline_seconds": round(ours, 3),
            "plain_month_seconds": round(plain_month, 3), "plain_year_seconds": round(plain_year, 3),
            "ratio_to_plain_month": round(ours / plain_month, 2), "ratio_to_plain_year": round(ours / plain_year, 2),
            "pipeline_cpu_seconds": round(cpu_ours, 3), "plain_month_cpu_seconds": round(cpu_month, 3),
            "plain_year_cpu_seconds": round(cpu_year, 3),
            "cpu_ratio_to_plain_month": round(cpu_ours / cpu_month, 2), "cpu_ratio_to_plain_year": round(cpu_ours / cpu_year, 2),
            "load_average": os.getloadavg(),
            "pipeline_peak_rss_mib": mem_ours, "plain_peak_rss_mib": max(mem_month, mem_year),
            "incremental_one_file_seconds": round(incremental, 3),
            "lines_per_second": round(lines / ours),
        }
        if lines == pandas_at:
            known = set(_ets())
            pd_s, pd_mem, _ = _timed(lambda: pandas_version(files, ref.codes("national"), known, list(ref.annees_donnees)))
            case.update({"pandas_seconds": round(pd_s, 3), "pandas_peak_rss_mib": pd_mem,
                         "ratio_pandas_to_pipeline": round(pd_s / ours, 2)})
        cases.append(case)
        rows.append({"case": f"phev_lines validation+agrégation {lines:.0e}", "rows": lines, "seconds": ours,
                     "baseline_seconds": plain_month, "peak_mib": mem_ours})
        rows.append({"case": "  plain GROUP BY grain année (sans mois)", "rows": lines, "seconds": plain_year,
                     "baseline_seconds": None, "peak_mib": mem_year})
        rows.append({"case": "  pipeline / GROUP BY grain année", "rows": lines, "seconds": ours,
                     "baseline_seconds": plain_year, "peak_mib": None})
        rows.append({"case": "  idem en secondes CPU", "rows": lines, "seconds": cpu_ours,
                     "baseline_seconds": cpu_year, "peak_mib": None})
        if "pandas_seconds" in case:
            rows.append({"case": "  pandas (lecture, règles, groupby)", "rows": lines, "seconds": case["pandas_seconds"],
                         "baseline_seconds": plain_month, "peak_mib": case["pandas_peak_rss_mib"]})
        rows.append({"case": "  + un fichier nouveau de 10⁶ lignes", "rows": ROWS_PER_FILE, "seconds": incremental,
                     "baseline_seconds": None, "peak_mib": None})
        shutil.rmtree(root, ignore_errors=True)
    return rows, {"lines": cases, "curve": curve(cases), "gx_import_seconds": round(gx_import, 3)}


def curve(cases: list[dict]) -> list[dict]:
    """Seconds per million lines from one volume to the next: where the cost is not linear."""
    out = []
    for a, b in zip(cases, cases[1:]):
        factor = b["lines"] / a["lines"]
        out.append({"from": a["lines"], "to": b["lines"], "lines_factor": factor,
                    "pipeline_time_factor": round(b["pipeline_seconds"] / a["pipeline_seconds"], 2),
                    "plain_time_factor": round(b["plain_month_seconds"] / a["plain_month_seconds"], 2)})
    return out
