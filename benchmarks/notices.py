"""Notices per second: the notices of a year drawn (HTML + PDF) from a real warehouse.

    python -m benchmarks.notices [--out OUT] [--year N] [--n N] [--workers 2] [--profile]

Without ``--out``, the demo region is generated and its annual run made in a temporary folder
(a few minutes), then the notices of its year are drawn from that warehouse. With ``--out``,
the warehouse and the run of an earlier ``caqes run --out OUT`` are read (read-only).

A notice is its HTML and its PDF (one EJ × one kind). Three figures:

- ``render``: the HTML and PDF of every notice, in the stage's own process pool (``--workers``);
- ``stage``: the whole notices stage (data read, selection, drawing, publication with fsync and
  manifest) into a scratch folder, as a run does it, from empty (nothing issued before);
- CPU seconds per notice in one process (less sensitive to other load on the machine).

``--profile`` prints the cProfile of drawing ``--n`` notices in one process, by cumulative time.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import os
import pstats
import resource
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

DEMO_AS_OF = "2025-06-16"


def _last_context(out: Path, year: int | None):
    from caqes_tasks.context import RunContext
    from caqes_tasks.warehouse import connect

    with connect(out / "warehouse" / "caqes.duckdb", read_only=True) as con:
        rows = con.execute(
            "SELECT run_id, annee FROM meta.runs WHERE status = 'success' AND run_id NOT LIKE 'nightly-%' "
            + ("AND annee = ? " if year else "")
            + "ORDER BY finished_at DESC",
            [year] if year else [],
        ).fetchall()
    for run_id, _ in rows:
        saved = out / "runs" / run_id / "context.json"
        if saved.is_file():
            return replace(RunContext.from_dict(json.loads(saved.read_text())), out=out, attempt="")
    raise SystemExit(f"aucun run annuel réussi dans {out} : lancez d'abord caqes run --out {out}")


def build_demo(folder: Path, size: str = "region", year: int = 2024, seed: int = 2022) -> Path:
    """Generate the demo landing and run the annual evaluation of ``year``; return its out folder."""
    from caqes_demo import generate_demo
    from caqes_tasks.pipeline import prepare, run_annual

    landing, out = folder / "landing", folder / "out"
    generate_demo(landing, size=size, seed=seed)
    run_annual(prepare(year, landing, out, as_of=DEMO_AS_OF), progress=lambda _: None)
    return out


def _jobs(ctx):
    """The notices the stage would draw for ``ctx`` (nothing issued before), as PDF jobs."""
    from caqes_tasks.feeds.manifest import run_inputs
    from caqes_tasks.notices import stage as st
    from caqes_tasks.notices import vocabulary as v
    from caqes_tasks.notices.data import read_year
    from caqes_tasks.notices.model import RunInfo
    from caqes_tasks.notices.selection import select_notices
    from caqes_tasks.warehouse import connect

    inputs = run_inputs(ctx)
    run = RunInfo(run_id=ctx.run_id, input_hashes=inputs["accepted"], as_of=ctx.as_of_date,
                  rejected=inputs["rejected"], ignored=tuple(inputs["ignored"]))  # fmt: skip
    lib = st._libelles(ctx)
    t0 = time.perf_counter()
    with connect(ctx.warehouse, read_only=True) as con:
        data = read_year(con, ctx.year)
    sel = select_notices(data)
    t_read = time.perf_counter() - t0
    due = set(sel.notices)

    def make(ej: str, kind: str):
        prealable = st.prealable_reference({}, ej, run, (ej, v.PREALABLE) in due) if kind == v.DECISION else None
        return st.notice_job(data, ej, kind, run, lib, prealable)

    return sel.notices, make, t_read


def _cpu_seconds() -> tuple[float, float]:
    """CPU seconds used by this process, and by its finished children (the pool's workers)."""
    me, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return me.ru_utime + me.ru_stime, kids.ru_utime + kids.ru_stime


def _scratch_out(out: Path, tmp: Path) -> Path:
    """An out folder that shares the run's warehouse and run records, with its own notices."""
    scratch = tmp / "out"
    scratch.mkdir()
    for name in ("warehouse", "runs", "state"):
        if (out / name).exists():
            (scratch / name).symlink_to((out / name).resolve())
    return scratch


def bench_notices(out: Path, year: int | None = None, *, n: int | None = None, workers: int = 2,
                  stage: bool = True) -> dict:  # fmt: skip
    """Draw the notices of ``year``'s last run in ``out`` (the first ``n`` of them) and time it."""
    from caqes_tasks.notices import pdf as pdfmod
    from caqes_tasks.notices.stage import notices_stage, render_pdfs

    ctx = _last_context(Path(out), year)
    keys, make, t_read = _jobs(ctx)
    keys = keys[:n] if n else keys
    pdfmod.warm_fonts()

    # the stage's own drawing: HTML then PDFs in its process pool
    u0 = _cpu_seconds()
    t0 = time.perf_counter()
    jobs = [make(ej, kind) for ej, kind in keys]
    pdfs = render_pdfs(jobs, workers=workers)
    t_render = time.perf_counter() - t0
    u1 = _cpu_seconds()
    cpu_parent, cpu_workers = u1[0] - u0[0], u1[1] - u0[1]
    cpu_render = cpu_parent + cpu_workers
    result = {
        "notices": len(keys),
        "year": ctx.year,
        "workers": workers,
        "pages_bytes": sum(len(p) for p in pdfs),
        "read_seconds": round(t_read, 3),
        "render_seconds": round(t_render, 3),
        "render_notices_per_second": round(len(keys) / t_render, 2),
        "render_cpu_seconds": round(cpu_render, 3),
        "render_cpu_seconds_this_process": round(cpu_parent, 3),
        "render_cpu_seconds_workers": round(cpu_workers, 3),
        # what the same work gives when its processes have the cores to themselves
        "render_notices_per_second_if_cores_free": round(len(keys) * max(workers, 1) / cpu_render, 2),
    }
    if stage and not n:
        with tempfile.TemporaryDirectory() as d:
            sctx = replace(ctx, out=_scratch_out(ctx.out, Path(d)))
            old = os.environ.get("CAQES_NOTICES_WORKERS")
            os.environ["CAQES_NOTICES_WORKERS"] = str(workers)
            try:
                t0 = time.perf_counter()
                res = notices_stage(sctx)
                t_stage = time.perf_counter() - t0
            finally:
                if old is None:
                    os.environ.pop("CAQES_NOTICES_WORKERS", None)
                else:
                    os.environ["CAQES_NOTICES_WORKERS"] = old
        drawn = res["pdf"]["drawn"]
        result.update(stage_seconds=round(t_stage, 3), stage_notices=drawn,
                      stage_notices_per_second=round(drawn / t_stage, 2))  # fmt: skip

    # last (a process that has drawn a PDF no longer forks its pool): one process, CPU time per
    # notice, HTML and PDF apart
    sample = keys[: min(len(keys), 40)]
    c0 = time.process_time()
    jobs = [make(ej, kind) for ej, kind in sample]
    c1 = time.process_time()
    for job in jobs:
        job.render()
    c2 = time.process_time()
    cpu_html, cpu_pdf = (c1 - c0) / len(sample), (c2 - c1) / len(sample)
    result.update(cpu_ms_html_per_notice=round(cpu_html * 1000, 1), cpu_ms_pdf_per_notice=round(cpu_pdf * 1000, 1),
                  cpu_notices_per_second_one_process=round(1 / (cpu_html + cpu_pdf), 2))  # fmt: skip
    return result


def profile_notices(out: Path, year: int | None = None, n: int = 30, top: int = 35) -> str:
    """cProfile of drawing ``n`` notices (HTML + PDF) in this process, by cumulative time."""
    from caqes_tasks.notices import pdf as pdfmod

    ctx = _last_context(Path(out), year)
    keys, make, _ = _jobs(ctx)
    pdfmod.warm_fonts()
    prof = cProfile.Profile()
    prof.enable()
    for ej, kind in keys[:n]:
        make(ej, kind).render()
    prof.disable()
    buf = io.StringIO()
    pstats.Stats(prof, stream=buf).sort_stats("cumulative").print_stats(top)
    pstats.Stats(prof, stream=buf).sort_stats("tottime").print_stats(top)
    return buf.getvalue()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, help="out folder of an earlier caqes run (default: build the demo)")
    parser.add_argument("--year", type=int, help="year of the run (default: the last run)")
    parser.add_argument("--size", default="region", help="demo size when --out is not given")
    parser.add_argument("--n", type=int, help="draw only the first N notices (no stage timing)")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--profile", action="store_true", help="cProfile of --n (default 30) notices")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as d:
        out = args.out or build_demo(Path(d), size=args.size, year=args.year or 2024)
        if args.profile:
            print(profile_notices(out, args.year, n=args.n or 30))
            return 0
        r = bench_notices(out, args.year, n=args.n, workers=args.workers)
    print(json.dumps(r, indent=2))
    print(f"{r['notices']} notices (HTML + PDF), {r['workers']} workers: {r['render_notices_per_second']} notices/s drawn"
          + (f", {r['stage_notices_per_second']} notices/s for the whole stage" if "stage_notices_per_second" in r else ""))
    return 0


if __name__ == "__main__":
    sys.exit(main())
