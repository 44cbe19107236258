"""Write a simulation's comparison: ``OUT/simulations/<annee>/<simulation id>/``.

    comparaison.parquet   one row per EJ (caqes_tasks.simulation.comparaison.COLONNES)
    comparaison.csv       the same for Excel (``;``, decimal comma, identifiers kept as text)
    comparaison.html      a self-contained page (no script, no external file): settings, totals, EJs
    parametres.json       the year, the run it starts from, the settings

The folder is built aside and renamed into place once complete; the same simulation again (same
run, same settings) finds the same folder and changes nothing. Nothing else is written: the
published feeds, notices, reports and the warehouse are not touched.
"""

from __future__ import annotations

import html
import json
import shutil
from decimal import Decimal
from pathlib import Path

import pyarrow.parquet as pq

from caqes_tasks.feeds.excel_csv import write_excel_csv
from caqes_tasks.feeds.publish import fsync_tree, new_staging_folder, place_folder
from caqes_tasks.notices.formatting import euros
from caqes_tasks.simulation.comparaison import COLONNES, table


def _eur(value: Decimal, signe: bool = False) -> str:
    text = euros(value)
    return ("+" + text) if signe and value > 0 else text


def page(annee: int, simulation_id: str, run_id: str, reglages: list[str], rows: list[dict]) -> str:
    """The comparison as one self-contained HTML page (French)."""
    def total(col: str) -> Decimal:
        return sum((r[col] for r in rows), Decimal("0.00"))

    esc = html.escape
    changes = [r for r in rows if r["ecart_interessement"] or r["ecart_sanction"]]
    reglage_items = "".join(f"<li><code>{esc(s)}</code></li>" for s in reglages) or "<li>aucun : paramètres publiés</li>"
    lignes = "".join(
        "<tr>"
        f"<td>{esc(r['raison_sociale_ej'])}<br><small>FINESS EJ {esc(r['finess_ej'])}</small></td>"
        f"<td>{_eur(r['interessement_actuel'])}</td><td>{_eur(r['interessement_simule'])}</td>"
        f"<td class=\"{'plus' if r['ecart_interessement'] > 0 else 'moins' if r['ecart_interessement'] < 0 else ''}\">"
        f"{_eur(r['ecart_interessement'], True)}</td>"
        f"<td>{_eur(r['sanction_actuelle'])}</td><td>{_eur(r['sanction_simulee'])}</td>"
        f"<td class=\"{'moins' if r['ecart_sanction'] > 0 else 'plus' if r['ecart_sanction'] < 0 else ''}\">"
        f"{_eur(r['ecart_sanction'], True)}</td>"
        "</tr>"
        for r in rows
    )
    return f"""<!DOCTYPE html>
<html lang="fr"><head><meta charset="utf-8">
<title>Simulation {esc(simulation_id)} – campagne {annee}</title>
<style>
body {{ font-family: system-ui, sans-serif; margin: 2em; color: #222; }}
table {{ border-collapse: collapse; width: 100%; }}
th, td {{ border-bottom: 1px solid #ccc; padding: .35em .6em; text-align: right; }}
th:first-child, td:first-child {{ text-align: left; }}
thead th {{ background: #eef; position: sticky; top: 0; }}
.plus {{ color: #06603a; }} .moins {{ color: #a3121b; }}
.note {{ background: #fff6d6; padding: .6em 1em; border-left: 4px solid #e0b000; }}
</style></head><body>
<h1>Simulation avant décision – année {annee}</h1>
<p class="note">Simulation seulement : rien n'est publié ni notifié. Les montants actuels sont ceux des
paramètres publiés (run {esc(run_id)}), recalculés sur les mêmes données ; les montants simulés
appliquent les réglages ci-dessous dans les limites légales.</p>
<h2>Réglages</h2><ul>{reglage_items}</ul>
<h2>Totaux</h2>
<table><thead><tr><th></th><th>Actuel</th><th>Simulé</th><th>Écart</th></tr></thead><tbody>
<tr><td>Intéressement</td><td>{_eur(total('interessement_actuel'))}</td><td>{_eur(total('interessement_simule'))}</td>
<td>{_eur(total('ecart_interessement'), True)}</td></tr>
<tr><td>Sanctions</td><td>{_eur(total('sanction_actuelle'))}</td><td>{_eur(total('sanction_simulee'))}</td>
<td>{_eur(total('ecart_sanction'), True)}</td></tr>
</tbody></table>
<p>{len(changes)} EJ sur {len(rows)} voient un montant changer.</p>
<h2>Par entité juridique</h2>
<table><thead><tr><th>Entité juridique</th><th>Intéressement actuel</th><th>Intéressement simulé</th><th>Écart</th>
<th>Sanctions actuelles</th><th>Sanctions simulées</th><th>Écart</th></tr></thead>
<tbody>{lignes}</tbody></table>
<p><small>Colonnes du fichier comparaison.csv / .parquet : {esc(', '.join(c for c, _, _ in COLONNES))}.</small></p>
</body></html>
"""


def publier(out: Path, annee: int, simulation_id: str, run_id: str, reglages: list[str], rows: list[dict]) -> Path:
    """Write the simulation's folder (see the module docstring); return it."""
    versions = out / "simulations" / str(annee)
    tmp = new_staging_folder(versions, simulation_id)
    try:
        t = table(rows)
        pq.write_table(t, tmp / "comparaison.parquet", compression="zstd")
        write_excel_csv(t, tmp / "comparaison.csv")
        (tmp / "comparaison.html").write_text(page(annee, simulation_id, run_id, reglages, rows), encoding="utf-8")
        (tmp / "parametres.json").write_text(json.dumps(
            {"annee": annee, "simulation_id": simulation_id, "run_id": run_id, "reglages": reglages},
            indent=2, ensure_ascii=False, sort_keys=True) + "\n", encoding="utf-8")
        fsync_tree(tmp)
        folder, _ = place_folder(tmp, versions / simulation_id)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return folder
