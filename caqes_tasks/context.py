"""The run context every stage receives: campaign year, folders, warehouse, run id.

A stage is a plain function ``stage(ctx) -> dict``; the Airflow tasks and the command line call
the same functions with the same context, passed between Airflow tasks as a JSON dict.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field
from datetime import date
from pathlib import Path

from caqes_tasks.referentiel import DEFAULT_REFERENTIEL


@dataclass(frozen=True)
class RunContext:
    year: int
    landing: Path
    out: Path
    referentiel: Path = DEFAULT_REFERENTIEL
    as_of: str = ""  # ISO date the run acts on (procedure deadlines); default: today
    run_id: str = ""
    orchestrator_run_id: str = ""
    input_hashes: dict[str, str] = field(default_factory=dict)
    # this attempt of the run (who took the out dir's run lock, and when): several attempts
    # of one run id (a rerun, a cleared Airflow run) each keep their own record
    attempt: str = ""

    # -- folders under OUT ------------------------------------------------------------------
    @property
    def as_of_date(self) -> date:
        return date.fromisoformat(self.as_of) if self.as_of else date.today()

    @property
    def warehouse(self) -> Path:
        """The DuckDB warehouse file of OUT (the default warehouse); stages use :attr:`wh`."""
        from caqes_tasks.warehouse.location import duckdb_file

        return duckdb_file(self.out)

    @property
    def wh(self):
        """The run's warehouse (``caqes_tasks.warehouse.location.Warehouse``): the DuckDB file,
        or the PostgreSQL database ``CAQES_WAREHOUSE`` names."""
        from caqes_tasks.warehouse.location import warehouse_for

        return warehouse_for(self.out)

    @property
    def quarantine(self) -> Path:
        return self.out / "quarantine"

    @property
    def reports(self) -> Path:
        return self.out / "reports"

    @property
    def run_dir(self) -> Path:
        """Per-run working folder (dbt target, validation reports, manifest)."""
        return self.out / "runs" / (self.run_id or "pending")

    @property
    def notices(self) -> Path:
        return self.out / "notices" / str(self.year)

    @property
    def feeds(self) -> Path:
        return self.out / "feeds" / str(self.year)

    # -- serialisation for XCom ----------------------------------------------------------------
    def to_dict(self) -> dict:
        d = asdict(self)
        for k in ("landing", "out", "referentiel"):
            d[k] = str(d[k])
        return d

    @classmethod
    def from_dict(cls, d: dict) -> "RunContext":
        return cls(
            year=int(d["year"]),
            landing=Path(d["landing"]),
            out=Path(d["out"]),
            referentiel=Path(d.get("referentiel") or DEFAULT_REFERENTIEL),
            as_of=d.get("as_of", ""),
            run_id=d.get("run_id", ""),
            orchestrator_run_id=d.get("orchestrator_run_id", ""),
            input_hashes=dict(d.get("input_hashes", {})),
            attempt=d.get("attempt", ""),
        )


def compute_run_id(year: int, input_hashes: dict[str, str], as_of: str) -> str:
    """Deterministic run id: the same year on the same inputs and date is the same run."""
    from caqes_tasks import __version__

    payload = json.dumps({"year": year, "inputs": input_hashes, "as_of": as_of, "code": __version__}, sort_keys=True)
    return f"{year}-{hashlib.sha256(payload.encode()).hexdigest()[:12]}"
