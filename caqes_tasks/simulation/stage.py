"""The simulation of one year: the same task code for ``caqes simulate`` and ``caqes_simulation``.

Starts from the year's last successful annual run in OUT (its référentiel, its date, the
warehouse as it left it), reads the outcomes' inputs read-only, computes the outcomes with the
published and with the changed parameters (:mod:`caqes_tasks.simulation.comparaison`) and writes
the comparison under ``OUT/simulations/<annee>/<simulation id>/``. The settings are checked
before anything is read or written.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from caqes_tasks.context import RunContext
from caqes_tasks.outcomes import legal
from caqes_tasks.outcomes.lecture import lire_entrees
from caqes_tasks.referentiel import load_referentiel
from caqes_tasks.simulation.comparaison import comparer
from caqes_tasks.simulation.parametres import lire
from caqes_tasks.simulation.publication import publier
from caqes_tasks.warehouse import connect


def simulation_id(run_id: str, reglages: list[str]) -> str:
    """The same run with the same settings is the same simulation."""
    payload = json.dumps({"run_id": run_id, "reglages": sorted(reglages)}, sort_keys=True)
    return "sim-" + hashlib.sha256(payload.encode()).hexdigest()[:12]


def noms_ej(con, annee: int) -> dict[str, str]:
    """finess_ej -> name of the EJ for the year (dim_etablissement; EJs without one are absent)."""
    return dict(con.execute(
        "SELECT finess_ej, min(raison_sociale_ej) FROM marts.dim_etablissement "
        "WHERE annee = ? AND raison_sociale_ej IS NOT NULL GROUP BY finess_ej", [annee]).fetchall())


def simulation_stage(ctx: RunContext, reglages: list[str] | tuple[str, ...]) -> dict:
    """Simulate year ``ctx.year`` (``ctx``: its last annual run) under ``reglages`` (``cle=valeur``).

    Raises :class:`caqes_tasks.simulation.parametres.ParametreRefuse` for a setting outside the
    accepted keys or the legal limits, before anything is read or written."""
    ref = load_referentiel(ctx.referentiel)
    legal.check_referentiel(ref)
    p = lire(reglages, ref)
    with connect(ctx.wh, read_only=True) as con:
        e = lire_entrees(con, ctx.year, ref.exercice_produits_am(ctx.year))
        noms = noms_ej(con, ctx.year)
    rows = comparer(e, ref, p, ctx.as_of_date, ctx.run_id, noms)
    sid = simulation_id(ctx.run_id, p.decrits())
    folder = publier(Path(ctx.out), ctx.year, sid, ctx.run_id, p.decrits(), rows)
    return {
        "simulation_id": sid,
        "run_id": ctx.run_id,
        "reglages": p.decrits(),
        "rows": len(rows),
        "ej_modifiees": sum(1 for r in rows if r["ecart_interessement"] or r["ecart_sanction"]),
        "ecarts": {
            "interessement": str(sum(r["ecart_interessement"] for r in rows)),
            "sanction": str(sum(r["ecart_sanction"] for r in rows)),
        },
        "outputs": {"folder": str(folder), "html": str(folder / "comparaison.html")},
    }
