"""Running the stages, timings and the run's bookkeeping: the one path both Airflow and the CLI take.

``prepare`` checks the run's settings and output folders (pre-flight), fixes the run (year,
folders, input hashes, deterministic run id) and takes the out dir's run lock; ``run_stage``
runs one stage under that lock and keeps its result under the run folder; ``finalize`` writes
the run manifest and the run's record, then releases the lock. The DAG tasks and ``caqes run``
call exactly these functions; the stages and their order are listed in :mod:`caqes_tasks.stages`.

One run at a time per out dir
-----------------------------
``OUT/state/run.lock`` names the run that owns the out dir: run id, attempt, kind, year, the
Airflow run, and the process currently working for it (host, pid and the pid's start time) or
none between two Airflow tasks. The file is only read and rewritten under an exclusive
``flock`` on itself, held for a few milliseconds, so every decision about the lock is atomic.

- ``prepare`` takes it (:func:`acquire_run_lock`): a live owner makes it fail with one line
  naming the run in progress (:class:`RunInProgress`), or wait up to ``CAQES_LOCK_WAIT``
  seconds. An owner is dead when its process is gone (same host: the pid no longer runs, or
  runs another program) or, for an owner parked between Airflow tasks or on another host, when
  its heartbeat is older than ``CAQES_LOCK_STALE_S`` (default 3600 s); a dead owner's lock is
  taken over.
- each stage checks that its run still owns the lock and marks its own process as the worker,
  with a heartbeat every 30 s (:func:`hold_run_lock`, inside :func:`run_stage`); a stage run in
  its own Airflow task process parks the lock when it ends (:func:`park_run_lock`), except when
  every task runs in one process (``airflow dags test``: ``CAQES_LOCK_IN_PROCESS=1``). A stage
  whose run no longer owns the lock fails with :class:`RunLockLost` and writes nothing.
- ``finalize`` writes the manifest and ``meta.runs`` only while owning the lock, then releases
  it (:func:`release_run_lock`).

Each ``prepare`` is a new *attempt* (``RunContext.attempt``): the bookkeeping of an earlier
attempt of the same run id (``context.json``, ``stages/``, ``manifest.json``) is moved to
``runs/<run_id>/attempts/<attempt>/`` and ``meta.runs`` keeps one row per attempt, so no
attempt's record is ever overwritten by another's.
"""

from __future__ import annotations

import errno
import fcntl
import json
import logging
import os
import re
import socket
import tempfile
import threading
import time
import traceback
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import replace
from datetime import date, datetime
from pathlib import Path

from caqes_tasks.context import RunContext, compute_run_id
from caqes_tasks.referentiel import (
    ReferentielError,
    dossier_referentiels,
    load_referentiel,
    referentiel_courant,
    referentiel_de_l_annee,
)
from caqes_tasks.stages import ANNUAL, stage_named

log = logging.getLogger("caqes")


class RunError(RuntimeError):
    """An error the user sees as one line (the CLI exits 2): its message names the problem."""


class InvalidRunSettings(RunError, ValueError):
    """A setting of the run (landing, year, référentiel, as_of) is not usable; nothing written."""


class PreflightError(RunError):
    """An output folder of the run is not writable or has no room; nothing written."""


class RunInProgress(RunError):
    """Another run owns the out dir's run lock."""


class RunLockLost(RunError):
    """The run no longer owns the out dir's run lock (taken over as stale): it stops."""


class YearBlocked(RunError):
    """Inputs for the campaign year failed validation: nothing is computed for it."""


class AllQuarantined(RunError):
    """Every new file of the run was quarantined: nothing new was loaded."""


class StageFailed(RunError):
    """A stage raised; the run is recorded as failed and the traceback kept in the run folder."""


# -- settings ---------------------------------------------------------------------------------

_ISO_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")


def check_as_of(as_of: str | date | None) -> str:
    """``as_of`` as an ISO day (today when not given); InvalidRunSettings when it is not one."""
    if as_of is None or as_of == "":
        return date.today().isoformat()
    if isinstance(as_of, date):
        return as_of.isoformat()
    text = str(as_of).strip()
    try:
        if not _ISO_DAY.fullmatch(text):
            raise ValueError(text)
        return date.fromisoformat(text).isoformat()
    except ValueError:
        raise InvalidRunSettings(
            f"date as_of invalide : « {as_of} » (format attendu AAAA-MM-JJ, par exemple 2025-04-15)"
        ) from None


def check_referentiel(referentiel: Path | str | None, year: int | str | None = None, jour: date | None = None):
    """The run's référentiel: the file given (``--referentiel``), else the one of the campaign
    that evaluates ``year`` among the référentiels folder's (one YAML per campaign), else the
    campaign under way on ``jour`` (today). InvalidRunSettings, on one line, when none fits."""
    if referentiel not in (None, ""):
        if not Path(referentiel).is_file():
            available = ", ".join(str(p) for p in sorted(dossier_referentiels().glob("*.yml"))) or "aucun"
            raise InvalidRunSettings(f"référentiel introuvable : {referentiel} (référentiels disponibles : {available})")
        try:
            return load_referentiel(referentiel)
        except Exception as exc:  # noqa: BLE001 - any defect of the file is reported on one line
            detail = " ".join(str(exc).split()) or type(exc).__name__
            raise InvalidRunSettings(f"référentiel illisible : {referentiel} : {detail}") from None
    try:
        annee = int(year)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        annee = None
    try:
        if annee is not None:
            return referentiel_de_l_annee(annee)
        return referentiel_courant(jour or date.today())
    except ReferentielError as exc:
        detail = " ".join(str(exc).split())
        raise InvalidRunSettings(f"référentiels de campagne ({dossier_referentiels()}) : {detail}") from None


def check_year(ctx: RunContext, ingest_result: dict) -> None:
    """Raise YearBlocked when validation blocked the run's year (docs/rules.md §8)."""
    status = ingest_result.get("years", {}).get(str(ctx.year), {"status": "ok"})
    if status.get("status") != "ok":
        reasons = "; ".join(status.get("reasons", [])) or "des fichiers en entrée ont échoué à la validation"
        raise YearBlocked(f"année {ctx.year} bloquée : {reasons}")


def check_campaign_year(year: int | str | None, ref) -> int:
    """The evaluation year as an int; InvalidRunSettings naming the accepted years otherwise."""
    accepted = ", ".join(str(y) for y in ref.annees_evaluation)
    if year is None or str(year).strip() == "":
        raise InvalidRunSettings(f"année d'évaluation manquante : indiquez --year (années acceptées : {accepted})")
    try:
        value = int(year)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise InvalidRunSettings(
            f"année d'évaluation manquante ou invalide : « {year} » (années acceptées : {accepted})"
        ) from None
    if value not in ref.annees_evaluation:
        raise InvalidRunSettings(
            f"l'année {value} n'est pas une année d'évaluation de la campagne {ref.campagne} "
            f"(années acceptées : {accepted})"
        )
    return value


# -- pre-flight -------------------------------------------------------------------------------

#: minimum free space on every output folder's file system, in MB (CAQES_MIN_FREE_MB)
DEFAULT_MIN_FREE_MB = 200


def output_folders(out: Path, year: int, kind: str = "annual") -> list[Path]:
    """Every folder a run of ``kind`` writes under ``out`` (the published ``<N>`` links and the
    folders their versions are built in)."""
    folders = [out / "warehouse", out / "runs", out / "quarantine", out / "state"]
    if kind == "annual":
        for name in ("feeds", "notices", "reports"):
            folders += [out / name, out / name / str(year)]
        folders += [out / "notices" / "runs" / str(year), out / "reports" / "runs" / str(year)]
        folders += [out / "rapports", out / "rapports" / str(year), out / "rapports" / "runs" / str(year)]
    elif kind == "semester":  # caqes_tasks.documents.semester
        folders = [out / "state", out / "analyses", out / "analyses" / "runs"]
    elif kind == "report":
        folders = [out / "state", out / "reports", out / "reports" / str(year), out / "reports" / "runs" / str(year)]
    return folders


_ERRNO_FR = {
    errno.EROFS: "système de fichiers en lecture seule",
    errno.EACCES: "permission refusée",
    errno.EPERM: "opération non permise",
    errno.ENOSPC: "plus de place sur le périphérique",
    errno.EDQUOT: "quota dépassé",
}


def _probe(folder: Path) -> str | None:
    """Create and remove a file in ``folder``: None when it works, else the reason."""
    try:
        fd, name = tempfile.mkstemp(prefix=".caqes-preflight-", dir=folder)
    except OSError as exc:
        return _ERRNO_FR.get(exc.errno) or (os.strerror(exc.errno) if exc.errno else str(exc))
    os.close(fd)
    os.unlink(name)
    return None


def _mb(n: float) -> str:
    return f"{n:.1f}".replace(".", ",")


def preflight(out: Path, year: int, kind: str = "annual", min_free_mb: float | None = None) -> None:
    """Check, writing nothing, that every output folder of the run is writable and has room.

    A folder that does not exist yet is checked through its nearest existing parent (where it
    will be created), a published link through the folder that holds it. Raises PreflightError
    with every problem on one line.
    """
    if min_free_mb is None:
        raw = os.environ.get("CAQES_MIN_FREE_MB", str(DEFAULT_MIN_FREE_MB))
        try:
            min_free_mb = float(raw)
        except ValueError:
            raise InvalidRunSettings(f"CAQES_MIN_FREE_MB invalide : « {raw} » (un nombre de Mo, par exemple 200)") from None
    problems: list[str] = []
    probed: dict[Path, str | None] = {}
    room: dict[int, bool] = {}
    for folder in output_folders(out, year, kind):
        existing = folder
        while existing != existing.parent:
            if existing.is_symlink():  # a published link is swapped in its folder, never written through
                existing = existing.parent
            elif not existing.exists():
                existing = existing.parent
            else:
                break
        if not existing.is_dir():
            problems.append(f"{existing} est un fichier, un dossier est attendu")
            continue
        if existing not in probed:
            probed[existing] = _probe(existing)
            if probed[existing]:
                where = folder if existing == folder else f"{folder} (à créer dans {existing})"
                problems.append(f"impossible d'écrire dans {where} : {probed[existing]}")
        if probed[existing]:
            continue
        st = os.statvfs(existing)
        dev = os.stat(existing).st_dev
        if dev in room:
            continue
        free_mb = st.f_bavail * st.f_frsize / (1024 * 1024)
        room[dev] = free_mb >= min_free_mb
        if not room[dev]:
            problems.append(
                f"{_mb(free_mb)} Mo libres pour {folder}, il en faut {min_free_mb:g} (CAQES_MIN_FREE_MB)"
            )
    if problems:
        raise PreflightError("vérification avant lancement : " + " ; ".join(problems) + " ; rien n'a été écrit")


# -- the out dir's run lock -------------------------------------------------------------------

RUN_LOCK = Path("state") / "run.lock"
HOST = socket.gethostname()
DEFAULT_STALE_S = 3600
HEARTBEAT_S = 30.0
KINDS = {"annual": "évaluation annuelle", "nightly": "rafraîchissement nocturne", "stage": "étape isolée"}


def check_warehouse(out: Path) -> None:
    """The warehouse setting (``CAQES_WAREHOUSE``) is valid and its database answers."""
    from caqes_tasks.warehouse.location import WarehouseError, pg_connection, warehouse_for

    try:
        wh = warehouse_for(out)
        if wh.is_postgres:
            pg_connection(wh).close()
    except WarehouseError as exc:
        raise InvalidRunSettings(str(exc)) from None


def run_lock_path(out: Path) -> Path:
    return Path(out) / RUN_LOCK


def _stale_after() -> float:
    return float(os.environ.get("CAQES_LOCK_STALE_S", DEFAULT_STALE_S))


def _lock_wait() -> float:
    raw = os.environ.get("CAQES_LOCK_WAIT", "0") or "0"
    try:
        return max(0.0, float(raw))
    except ValueError:
        raise InvalidRunSettings(f"CAQES_LOCK_WAIT invalide : « {raw} » (un nombre de secondes, par exemple 600)") from None


def new_attempt() -> str:
    """A new attempt id: start time (local), pid and a random suffix."""
    return f"{datetime.now():%Y%m%dT%H%M%S%f}-{os.getpid()}-{uuid.uuid4().hex[:4]}"


def attempt_started(attempt: str) -> datetime | None:
    try:
        return datetime.strptime(attempt.split("-", 1)[0], "%Y%m%dT%H%M%S%f")
    except ValueError:
        return None


@contextmanager
def _guarded(out: Path) -> Iterator[int]:
    """The run lock file, open and exclusively flock'ed for a short read-modify-write."""
    path = run_lock_path(out)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        try:
            yield fd
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)


def _read(fd: int) -> dict | None:
    os.lseek(fd, 0, os.SEEK_SET)
    chunks = []
    while chunk := os.read(fd, 65536):
        chunks.append(chunk)
    try:
        holder = json.loads(b"".join(chunks) or b"null")
    except ValueError:
        return None  # torn by a writer that died mid-write: nobody holds it
    return holder if isinstance(holder, dict) and holder.get("attempt") else None


def _write(fd: int, holder: dict | None) -> None:
    data = b"" if holder is None else (json.dumps(holder, sort_keys=True, indent=1) + "\n").encode()
    os.ftruncate(fd, 0)
    os.lseek(fd, 0, os.SEEK_SET)
    os.write(fd, data)
    os.fsync(fd)


def read_run_lock(out: Path) -> dict | None:
    """Who holds the out dir's run lock (None when free); for messages and tests."""
    if not run_lock_path(out).exists():
        return None
    with _guarded(out) as fd:
        return _read(fd)


def _pid_start(pid: int) -> str | None:
    """The process's start time (clock ticks since boot) and state, from /proc; None elsewhere."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = stat.rsplit(")", 1)[-1].split()
    return f"{fields[19]}" if len(fields) > 19 and fields[0] != "Z" else "zombie"


def _alive(holder: dict) -> bool:
    """Whether the lock's owner may still be working (see the module docstring)."""
    pid = holder.get("pid")
    if pid and holder.get("host") == HOST:
        try:
            os.kill(int(pid), 0)
        except ProcessLookupError:
            return False
        except PermissionError:
            pass
        start = _pid_start(int(pid))
        if start == "zombie" or (start and holder.get("pid_start") and start != holder["pid_start"]):
            return False
        return True
    return time.time() - float(holder.get("heartbeat") or 0) < _stale_after()


def _describe(holder: dict) -> str:
    details = [KINDS.get(holder.get("kind", ""), holder.get("kind", "?"))]
    if holder.get("year"):
        details.append(f"année {holder['year']}")
    if holder.get("stage"):
        details.append(f"étape {holder['stage']}")
    if holder.get("pid"):
        details.append(f"processus {holder['pid']} sur {holder.get('host', '?')}")
    elif holder.get("orchestrator_run_id"):
        details.append(f"entre deux tâches Airflow de {holder['orchestrator_run_id']}")
    if holder.get("acquired_at"):
        details.append(f"depuis {holder['acquired_at']}")
    return f"run {holder.get('run_id') or '?'} ({', '.join(details)})"


def _me(pid: int | None = None) -> dict:
    pid = os.getpid() if pid is None else pid
    return {"host": HOST, "pid": pid, "pid_start": _pid_start(pid)}


def acquire_run_lock(
    out: Path, run_id: str, attempt: str, kind: str, year: int, orchestrator_run_id: str = "",
    wait_s: float | None = None,
) -> dict | None:
    """Take the out dir's run lock for this attempt; return the dead owner taken over, if any.

    Raises RunInProgress naming the live owner, after waiting up to ``wait_s`` seconds
    (default ``CAQES_LOCK_WAIT``, 0). An earlier attempt of the same Airflow run (same kind and
    Airflow run id, no process working for it) is taken over: the run was cleared or retried.
    """
    wait_s = _lock_wait() if wait_s is None else wait_s
    deadline = time.monotonic() + wait_s
    mine = {
        "run_id": run_id, "attempt": attempt, "kind": kind, "year": year,
        "orchestrator_run_id": orchestrator_run_id, "stage": None,
        "acquired_at": datetime.now().astimezone().isoformat(timespec="seconds"),
        "heartbeat": time.time(), **_me(),
    }
    while True:
        with _guarded(out) as fd:
            holder = _read(fd)
            same_airflow_run = (
                holder is not None and bool(orchestrator_run_id) and not holder.get("pid")
                and holder.get("orchestrator_run_id") == orchestrator_run_id and holder.get("kind") == kind
            )
            if holder is None or same_airflow_run or not _alive(holder):
                _write(fd, mine)
                if holder is not None:
                    log.warning("caqes run lock: %s taken over from %s", run_id, _describe(holder))
                return holder
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            waited = f", toujours en cours après {wait_s:g} s d'attente (CAQES_LOCK_WAIT)" if wait_s else ""
            hint = "" if wait_s else " ; relancez après sa fin, ou attendez-le avec CAQES_LOCK_WAIT=<secondes>"
            raise RunInProgress(f"un run est déjà en cours sur {out} : {_describe(holder)}{waited}{hint}")
        time.sleep(min(1.0, remaining))


def _owned(fd: int, ctx: RunContext) -> dict:
    holder = _read(fd)
    if holder is None or holder.get("attempt") != ctx.attempt:
        who = _describe(holder) if holder else "personne"
        raise RunLockLost(
            f"le run {ctx.run_id} ne détient plus le verrou de {ctx.out} (détenu par : {who}) ; il s'arrête sans rien écrire"
        )
    return holder


def _tasks_in_process() -> bool:
    """``CAQES_LOCK_IN_PROCESS=1``: every task of the DAG run runs in the process that prepared
    it (``airflow dags test``, set by ``caqes_demo.airflow_local``). The lock then stays with
    that process between tasks instead of being parked, and is free as soon as it dies."""
    return os.environ.get("CAQES_LOCK_IN_PROCESS", "") == "1"


def park_run_lock(ctx: RunContext) -> None:
    """Keep the lock for the run with no process working for it (between two Airflow tasks)."""
    with _guarded(ctx.out) as fd:
        holder = _owned(fd, ctx)
        holder.update(stage=None, heartbeat=time.time())
        holder.update(_me() if _tasks_in_process() else {"pid": None, "pid_start": None})
        _write(fd, holder)


def release_run_lock(ctx: RunContext) -> bool:
    """Free the lock if this attempt holds it; False when it did not."""
    if not ctx.attempt or not run_lock_path(ctx.out).exists():
        return False
    with _guarded(ctx.out) as fd:
        holder = _read(fd)
        if holder is None or holder.get("attempt") != ctx.attempt:
            return False
        _write(fd, None)
        return True


class _Heartbeat(threading.Thread):
    def __init__(self, ctx: RunContext, every: float) -> None:
        super().__init__(name="caqes-run-lock-heartbeat", daemon=True)
        self.ctx, self.every, self.done = ctx, every, threading.Event()

    def run(self) -> None:
        while not self.done.wait(self.every):
            try:
                with _guarded(self.ctx.out) as fd:
                    holder = _read(fd)
                    if holder is None or holder.get("attempt") != self.ctx.attempt:
                        return
                    holder["heartbeat"] = time.time()
                    _write(fd, holder)
            except OSError:  # a full disk must not kill the stage; the owner stays alive by pid
                pass


@contextmanager
def hold_run_lock(ctx: RunContext, stage: str) -> Iterator[RunContext]:
    """Work for the run under its lock: check it still owns it, mark this process as its
    worker with a heartbeat, and park it when this process is not the one that took it.

    A context without an attempt (a stage run on its own, e.g. ``caqes report``) takes the
    lock for the duration of the stage.
    """
    if not ctx.attempt:
        own = replace(ctx, attempt=new_attempt())
        acquire_run_lock(own.out, own.run_id, own.attempt, "stage", own.year, own.orchestrator_run_id)
        try:
            with hold_run_lock(own, stage) as held:
                yield held
        finally:
            release_run_lock(own)
        return
    with _guarded(ctx.out) as fd:
        holder = _owned(fd, ctx)
        took_it = holder.get("pid") == os.getpid() and holder.get("host") == HOST
        if not took_it:
            holder.update(_me())
        holder.update(stage=stage, heartbeat=time.time())
        _write(fd, holder)
    beat = _Heartbeat(ctx, min(HEARTBEAT_S, _stale_after() / 4))
    beat.start()
    try:
        yield ctx
    finally:
        beat.done.set()
        beat.join()
        with _guarded(ctx.out) as fd:
            holder = _read(fd)
            if holder is not None and holder.get("attempt") == ctx.attempt:
                holder.update(stage=None, heartbeat=time.time())
                if not took_it and not _tasks_in_process():
                    holder.update(pid=None, pid_start=None)
                _write(fd, holder)


# -- the run ----------------------------------------------------------------------------------


def _archive_previous_attempt(run_dir: Path) -> Path | None:
    """Move an earlier attempt's bookkeeping to ``run_dir/attempts/<attempt>/``."""
    items = [run_dir / n for n in ("context.json", "stages", "manifest.json", "traceback.txt")]
    if not any(p.exists() for p in items):
        return None
    previous = ""
    try:
        previous = json.loads((run_dir / "context.json").read_text()).get("attempt", "")
    except (OSError, ValueError):
        pass
    if not previous:
        newest = max(p.stat().st_mtime for p in items if p.exists())
        previous = f"{datetime.fromtimestamp(newest):%Y%m%dT%H%M%S%f}-avant"
    dest = run_dir / "attempts" / previous
    while dest.exists():
        dest = dest.with_name(dest.name + "-bis")
    dest.mkdir(parents=True)
    for item in items:
        if item.exists():
            os.replace(item, dest / item.name)
    return dest


def prepare(
    year: int,
    landing: Path | str,
    out: Path | str,
    referentiel: Path | str | None = None,
    as_of: str | date | None = None,
    orchestrator_run_id: str = "",
    kind: str = "annual",
) -> RunContext:
    """Fix the run: check its settings and output folders, hash the landing zone and the
    référentiel, derive the run id, take the out dir's run lock (module docstring).

    ``kind`` separates the nightly refresh from the annual evaluation: they never share a
    run folder, even on the same inputs and day. Every refusal (InvalidRunSettings,
    PreflightError, RunInProgress) happens before anything is written.
    """
    from caqes_tasks.ingest.landing import scan_landing

    if landing in (None, ""):
        raise InvalidRunSettings("dossier de dépôt manquant : indiquez --landing (ou CAQES_LANDING)")
    landing = Path(landing).resolve()
    out = Path(out).resolve()
    if not landing.is_dir():
        raise InvalidRunSettings(f"dossier de dépôt introuvable : {landing} (--landing, CAQES_LANDING)")
    ref = check_referentiel(referentiel, year)
    year = check_campaign_year(year, ref)
    as_of_iso = check_as_of(as_of)
    check_warehouse(out)
    preflight(out, year, kind)
    try:
        hashes = dict(scan_landing(landing))
    except ValueError as exc:  # the landing's own errors are one line naming the file
        raise InvalidRunSettings(" ".join(str(exc).split())) from None
    hashes[f"referentiel/{ref.path.name}"] = ref.sha256
    ctx = RunContext(
        year=year,
        landing=landing,
        out=out,
        referentiel=ref.path,
        as_of=as_of_iso,
        run_id=("" if kind == "annual" else f"{kind}-") + compute_run_id(year, hashes, as_of_iso),
        orchestrator_run_id=orchestrator_run_id,
        input_hashes=hashes,
        attempt=new_attempt(),
    )
    acquire_run_lock(out, ctx.run_id, ctx.attempt, kind, year, orchestrator_run_id)
    try:
        _archive_previous_attempt(ctx.run_dir)
        (ctx.run_dir / "stages").mkdir(parents=True, exist_ok=True)
        (ctx.run_dir / "context.json").write_text(json.dumps(ctx.to_dict(), indent=2, sort_keys=True))
    except BaseException:
        release_run_lock(ctx)
        raise
    return ctx


def run_stage(name: str, ctx: RunContext | dict, **kwargs) -> dict:
    """Run one stage under the run lock, time it, keep its result as ``run_dir/stages/<name>.json``."""
    ctx = ctx if isinstance(ctx, RunContext) else RunContext.from_dict(ctx)
    with hold_run_lock(ctx, name):
        started = time.monotonic()
        log.info("caqes stage %s: start (year %s, run %s)", name, ctx.year, ctx.run_id)
        result = stage_named(name).function(ctx, **kwargs)
        elapsed = round(time.monotonic() - started, 3)
        record = {"stage": name, "seconds": elapsed, "result": result}
        stage_file = ctx.run_dir / "stages" / f"{name}.json"
        stage_file.parent.mkdir(parents=True, exist_ok=True)
        tmp = stage_file.with_name(f".{stage_file.name}.tmp-{os.getpid()}")
        tmp.write_text(json.dumps(record, indent=2, sort_keys=True, default=str))
        os.replace(tmp, stage_file)
        log.info("caqes stage %s: done in %.1f s", name, elapsed)
    return result


def stage_results(ctx: RunContext) -> dict[str, dict]:
    """Stage records of this attempt, kept under the run folder (works across Airflow task processes)."""
    records = {}
    for path in sorted((ctx.run_dir / "stages").glob("*.json")):
        records[path.stem] = json.loads(path.read_text())
    return records


def all_new_files_quarantined(ingest_result: dict) -> bool:
    """Whether ingest received new files and quarantined every one of them."""
    new = int(ingest_result.get("new_files") or 0)
    return new > 0 and len(ingest_result.get("quarantined") or []) >= new


def quarantined_message(ingest_result: dict, quarantine: Path) -> str:
    """One line: the new files, all quarantined, and where their reports are."""
    files = list(ingest_result.get("quarantined") or [])
    shown = ", ".join(files[:5]) + (", …" if len(files) > 5 else "")
    if len(files) == 1:
        head = f"le nouveau fichier a été mis en quarantaine ({shown})"
    else:
        head = f"les {len(files)} nouveaux fichiers ont tous été mis en quarantaine ({shown})"
    return f"{head} ; rien de nouveau n'a été chargé ; rapports : {quarantine}"


def finalize(ctx: RunContext | dict, outcome: str) -> Path:
    """Write the run manifest (inputs, hashes, versions, rows, timings, outcome) and the run's
    record in ``meta.runs``, then release the run lock. Only the lock's owner writes."""
    from caqes_tasks.feeds.manifest import write_run_manifest

    ctx = ctx if isinstance(ctx, RunContext) else RunContext.from_dict(ctx)
    if not ctx.attempt:
        with hold_run_lock(ctx, "finalize") as held:
            return _finalize(held, outcome, write_run_manifest)
    with _guarded(ctx.out) as fd:
        _owned(fd, ctx)
    try:
        return _finalize(ctx, outcome, write_run_manifest)
    finally:
        release_run_lock(ctx)


def _finalize(ctx: RunContext, outcome: str, write_run_manifest) -> Path:
    records = stage_results(ctx)
    stages = {name: rec["result"] for name, rec in records.items()}
    timings = {name: rec["seconds"] for name, rec in records.items()}
    path = write_run_manifest(ctx, stages, timings, outcome)
    _record_run(ctx, outcome, path)
    return path


def _record_run(ctx: RunContext, outcome: str, manifest: Path) -> None:
    """One row per attempt of the run (``started_at`` is the attempt's start)."""
    from caqes_tasks.warehouse import connect, writer_lock
    from caqes_tasks.warehouse.schema import create_schemas

    started = attempt_started(ctx.attempt)
    with writer_lock(ctx.wh), connect(ctx.wh) as con:
        create_schemas(con)
        con.execute(
            "DELETE FROM meta.runs WHERE run_id = ? AND started_at IS NOT DISTINCT FROM ?", [ctx.run_id, started]
        )
        con.execute(
            "INSERT INTO meta.runs VALUES (?, ?, ?, ?, ?, ?, ?)",
            [ctx.run_id, ctx.year, ctx.orchestrator_run_id, started, datetime.now(), outcome, str(manifest)],
        )


def _first_line(exc: BaseException) -> str:
    text = " ".join(str(exc).split())
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def _stage_failed(ctx: RunContext, name: str, exc: BaseException) -> StageFailed:
    """Record the run as failed (traceback kept in the run folder); the error to raise."""
    trace = ctx.run_dir / "traceback.txt"
    try:
        trace.write_text(traceback.format_exc(), encoding="utf-8")
    except OSError:
        pass
    manifest = finalize(ctx, "failed")
    return StageFailed(
        f"run {ctx.run_id} en échec à l'étape {name} : {_first_line(exc)} ; détail : {trace} ; manifeste : {manifest}"
    )


def run_annual(ctx: RunContext, progress: Callable[[str], None] = print) -> dict:
    """Every annual stage in order, in this process (the CLI path of the annual DAG).

    Raises YearBlocked (recorded ``blocked``), RunLockLost (nothing recorded: another
    attempt owns the out dir), or StageFailed (recorded ``failed``, the traceback in
    ``run_dir/traceback.txt``).
    """
    results: dict[str, dict] = {}
    name = ""
    try:
        for stage in ANNUAL:
            name = stage.name
            progress(f"[{ctx.year}] {name} ...")
            t0 = time.monotonic()
            results[name] = run_stage(name, ctx)
            progress(f"[{ctx.year}] {name} done ({time.monotonic() - t0:.1f} s)")
            if name == "ingest":
                check_year(ctx, results[name])
    except YearBlocked:
        finalize(ctx, "blocked")
        raise
    except RunError:
        raise
    except Exception as exc:
        raise _stage_failed(ctx, name, exc) from exc
    results["manifest"] = {"path": str(finalize(ctx, "success"))}
    return results


def run_nightly(ctx: RunContext, progress: Callable[[str], None] = print) -> dict:
    """Ingest, then refresh indicators and targeting when something new was loaded (the CLI
    path of the nightly DAG). Raises AllQuarantined (recorded ``quarantined``) when every new
    file went to quarantine, RunLockLost or StageFailed as :func:`run_annual`."""
    name = "ingest"
    try:
        result = run_stage("ingest", ctx)
        progress(f"nouveaux fichiers : {result.get('new_files', 0)}, en quarantaine : {len(result.get('quarantined', []))}")
        if all_new_files_quarantined(result):
            manifest = finalize(ctx, "quarantined")
            raise AllQuarantined(f"{quarantined_message(result, ctx.quarantine)} ; manifeste : {manifest}")
        if result.get("new_files"):
            name = "transform"
            run_stage("transform", ctx, select="indicators")
            progress("indicateurs et ciblage rafraîchis")
    except RunError:
        raise
    except Exception as exc:
        raise _stage_failed(ctx, name, exc) from exc
    outcome = "success" if result.get("new_files") else "nothing_new"
    return {"ingest": result, "outcome": outcome, "manifest": str(finalize(ctx, outcome))}
