"""The context of a year's last successful annual run in an out dir, read back for the commands
that act on published results without running anything (``caqes report``, ``explain``,
``simulate`` and the ``caqes_simulation`` DAG).
"""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

from caqes_tasks.context import RunContext
from caqes_tasks.referentiel import DEFAULT_REFERENTIEL


def contexte_dernier_run(out: Path, year: int) -> RunContext:
    """The context of YEAR's last successful annual run in OUT, read back with its folders
    under OUT (the out dir may have been copied or moved since) and without its attempt."""
    from caqes_tasks.pipeline import InvalidRunSettings
    from caqes_tasks.warehouse import connect, warehouse_for

    warehouse = warehouse_for(out)
    if not warehouse.exists():
        raise InvalidRunSettings(f"pas d'entrepôt dans {out} ({warehouse.describe()}) : lancez d'abord caqes run")
    with connect(warehouse, read_only=True) as con:
        rows = con.execute(
            "SELECT run_id FROM meta.runs WHERE annee = ? AND status = 'success' "
            "AND run_id NOT LIKE 'nightly-%' ORDER BY finished_at DESC",
            [year],
        ).fetchall()
        years = [y for (y,) in con.execute(
            "SELECT DISTINCT annee FROM meta.runs WHERE status = 'success' AND run_id NOT LIKE 'nightly-%' ORDER BY 1"
        ).fetchall()]
    for (run_id,) in rows:
        saved = out / "runs" / run_id / "context.json"
        if saved.is_file():
            ctx = RunContext.from_dict(json.loads(saved.read_text()))
            referentiel = ctx.referentiel
            if not referentiel.is_file() and (DEFAULT_REFERENTIEL.parent / referentiel.name).is_file():
                referentiel = DEFAULT_REFERENTIEL.parent / referentiel.name
            return replace(ctx, out=out, referentiel=referentiel, attempt="")
    accepted = ", ".join(str(y) for y in years) or "aucune"
    raise InvalidRunSettings(
        f"aucun run annuel réussi pour {year} dans {out} (années avec un run réussi : {accepted})"
    )
