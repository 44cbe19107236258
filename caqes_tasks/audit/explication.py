"""``caqes explain``: every amount of one EJ and one year, in plain French, with the figures it
was computed from and the input lines behind it (source, file, line, file sha256).

Reads the outcome tables (``marts.fct_interessement``, ``fct_sanction``, ``fct_retenue``,
``fct_enveloppe``), the EJ's and its ETs' names (``marts.dim_etablissement``) and the chain of
:mod:`caqes_tasks.audit.tracabilite`. Read only.
"""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal

from caqes_tasks.audit.tracabilite import disponible, lignes_tracabilite
from caqes_tasks.notices.formatting import euros, nombre, normalise_spaces, taux
from caqes_tasks.notices.vocabulary import MOTIFS, STATUTS, TYPES_DECISION


class EjInconnue(LookupError):
    """The EJ has neither an establishment in the year's register nor any amount that year."""


def _rows(con, sql: str, params: list) -> list[dict]:
    cur = con.execute(sql, params)
    cols = [d[0] for d in cur.description]
    return [dict(zip(cols, r, strict=True)) for r in cur.fetchall()]


def _noms(con, annee: int, finess_ej: str) -> tuple[str | None, dict[str, str]]:
    """The EJ's name and its ETs' names for the year (dim_etablissement)."""
    rows = _rows(con, "SELECT finess_geo, raison_sociale, raison_sociale_ej FROM marts.dim_etablissement "
                      "WHERE annee = ? AND finess_ej = ? ORDER BY finess_geo", [annee, finess_ej])
    nom_ej = next((r["raison_sociale_ej"] for r in rows if r["raison_sociale_ej"]), None)
    return nom_ej, {r["finess_geo"]: r["raison_sociale"] for r in rows if r["raison_sociale"]}


def nom_ej(con, annee: int, finess_ej: str) -> str:
    """« <name> » of the EJ, or « Entité juridique <n°> » when no FINESS extract names it."""
    nom, _ = _noms(con, annee, finess_ej)
    return nom or f"Entité juridique {finess_ej}"


def _et(geo: str | None, noms_et: dict[str, str]) -> str:
    if not geo:
        return ""
    return f"ET {geo} « {noms_et[geo]} »" if geo in noms_et else f"ET {geo}"


def _lignes(chaine: dict[str, list[dict]], objet: str, out: list[str]) -> None:
    lignes = chaine.get(objet, [])
    if not lignes:
        out.append("      Lignes d'entrée : aucune ligne de fichier déposé (montant établi sans donnée d'entrée)")
        return
    out.append("      Lignes d'entrée :")
    for r in lignes:
        where = f"ligne {r['ligne']}" if r["ligne"] is not None else "lignes agrégées à l'ingestion"
        out.append(f"        - {r['element']} : source {r['source']}, fichier {r['fichier']}, {where}, "
                   f"sha256 {r['sha256']}")


def _opt(label: str, value, fmt) -> str | None:
    return None if value is None else f"{label} {fmt(value)}"


def _chiffres(parts: list[str | None], out: list[str]) -> None:
    parts = [p for p in parts if p]
    if parts:
        out.append("      Chiffres : " + " ; ".join(parts))


def _atteinte(v: Decimal) -> str:
    return nombre(v * 100, 2) + " %"


def expliquer(con, annee: int, finess_ej: str, exercice_base: int) -> str:
    """The explanation of every amount of ``finess_ej`` in ``annee`` (plain French, several lines).

    Raises :class:`EjInconnue` when the EJ has no establishment in the year's register and no
    amount or retenue that year."""
    finess_ej = finess_ej.strip().upper()
    nom, noms_et = _noms(con, annee, finess_ej)
    interessement = _rows(con, "SELECT * FROM marts.fct_interessement WHERE annee = ? AND finess_ej = ? "
                               "ORDER BY type, code, finess_geo", [annee, finess_ej])
    sanctions = _rows(con, "SELECT * FROM marts.fct_sanction WHERE annee = ? AND finess_ej = ? "
                           "ORDER BY motif, volet, type_decision", [annee, finess_ej])
    retenues = _rows(con, "SELECT * FROM marts.fct_retenue WHERE annee = ? AND finess_ej = ? ORDER BY objet, raison",
                     [annee, finess_ej])
    if nom is None and not noms_et and not interessement and not sanctions and not retenues:
        known = con.execute("SELECT count(*) FROM marts.dim_etablissement WHERE finess_ej = ?", [finess_ej]).fetchone()[0]
        ailleurs = " (connue d'autres années)" if known else ""
        raise EjInconnue(f"EJ {finess_ej} inconnue en {annee}{ailleurs} : aucun établissement au répertoire FINESS "
                         "de l'année, aucun montant ni retenue")
    enveloppes = {r["theme"]: r for r in _rows(con, "SELECT * FROM marts.fct_enveloppe WHERE annee = ?", [annee])}
    chaine: dict[str, list[dict]] = defaultdict(list)
    if disponible(con):
        for r in lignes_tracabilite(con, annee, exercice_base, finess_ej):
            chaine[r["objet"]].append(r)

    out = [f"Montants {annee} de l'EJ « {nom or f'Entité juridique {finess_ej}'} » (FINESS EJ {finess_ej})"]
    if noms_et:
        out.append("Établissements : " + ", ".join(_et(g, noms_et) for g in sorted(noms_et)))

    def _modulation(r: dict) -> list:
        """The DG ARS's modulation of an intéressement line (national or regional), if any."""
        return [_opt("coefficient de modulation", r["coefficient_modulation"], lambda c: nombre(c, 6, rogner=True)),
                _opt("motif de la modulation", r["motif_modulation"], str)]

    nationaux = [r for r in interessement if r["type"] == "national"]
    regionaux = [r for r in interessement if r["type"] == "regional"]
    out.append("")
    out.append(f"Intéressement national : {euros(sum((r['montant'] for r in nationaux), Decimal(0)))} "
               f"({len(nationaux)} ligne(s))")
    for r in nationaux:
        out.append(f"  • Indicateur {r['code']}, {_et(r['finess_geo'], noms_et)} : {euros(r['montant'])}")
        _chiffres([
            _opt("économie", r["economie"], euros), _opt("part nationale", r["part"], taux),
            _opt("atteinte", r["atteinte"], _atteinte), _opt("formule", r["formule"], str),
            _opt("montant calculé", r["montant_calcule"], euros),
            *_modulation(r),
        ], out)
        _lignes(chaine, f"interessement_national:{r['code']}:{r['finess_geo']}", out)

    out.append("")
    out.append(f"Intéressement régional : {euros(sum((r['montant'] for r in regionaux), Decimal(0)))} "
               f"({len(regionaux)} ligne(s))")
    for r in regionaux:
        env = enveloppes.get(r["code"])
        out.append(f"  • Thème {r['code']} : {euros(r['montant'])}")
        _chiffres([
            _opt("enveloppe du thème", env["montant"] if env else None, euros),
            _opt("EJ concernées", env["nb_ej_concernees"] if env else None, str),
            _opt("plafond de l'EJ", r["montant_plafond"], euros),
            _opt("score du thème", r["score"], lambda s: nombre(s, 2) + " %"),
            _opt("montant calculé", r["montant_calcule"], euros),
            *_modulation(r),
        ], out)
        _lignes(chaine, f"interessement_regional:{r['code']}", out)

    out.append("")
    out.append(f"Sanctions : {euros(sum((r['montant'] for r in sanctions), Decimal(0)))} ({len(sanctions)} ligne(s))")
    for r in sanctions:
        motif = MOTIFS.get(r["motif"], (r["motif"], ""))[0]
        volet = f", volet {r['volet']}" if r["volet"] else ""
        out.append(f"  • {motif}{volet} : {euros(r['montant'])} "
                   f"({STATUTS.get(r['statut'], r['statut'])}"
                   f"{', ' + TYPES_DECISION.get(r['type_decision'], r['type_decision']) if r['type_decision'] else ''})")
        _chiffres([
            _opt(f"produits AM {r['exercice_base']} (base P)", r["base_produits_am"], euros),
            _opt("taux", r["taux"], taux), _opt("montant calculé", r["montant_calcule"], euros),
            _opt("plafond", r["plafond"], euros), _opt("plafond appliqué", r["plafond_applique"], str),
            _opt("impact sur les dépenses", r["impact"], euros),
            _opt("choix du DG ARS", r["choix_dg"], str), _opt("motif du DG ARS", r["motif_dg"], str),
            _opt("texte", r["reference_article"], str),
        ], out)
        _lignes(chaine, f"sanction:{r['motif']}:{r['volet'] or ''}", out)

    out.append("")
    out.append(f"Retenues (montants non calculés, non versés ou en attente) : {len(retenues)}")
    for r in retenues:
        out.append(f"  • {r['objet']} : {r['raison']}")
        if chaine.get(r["objet"]):
            _lignes(chaine, r["objet"], out)
    return normalise_spaces("\n".join(out)) + "\n"
