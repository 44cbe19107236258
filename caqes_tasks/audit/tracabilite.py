"""The chain from each amount of a year to the input lines behind it (the ``tracabilite`` feed).

The raw tables keep each row's file, line number and file sha256 (``_file``, ``_line``,
``_sha256``); the marts and the outcome tables drop them. This module joins them back, one row
per amount x input line:

- ``interessement_national`` (objet ``interessement_national:<indicateur>:<finess_geo>``): the
  indicator's values of the ET in N and in the reference year (``phev`` lines, or the accepted
  ``phev_lines`` files when the savings come from line-level data: aggregated at ingest, so no
  line number), the contract of the indicator's volet, the DG ARS's modulation;
- ``interessement_regional`` (``interessement_regional:<theme>``): the theme's envelope, the
  values behind the EJ's theme score (``regional``, ``phev``, ``engagements`` of the ETs under
  contract), the contract of the theme's volet, the modulation;
- ``sanction`` (``sanction:<motif>:<volet>``): the produits AM line (base P), for a refusal the
  refused contract lines, for non-attainment the contract and the values behind the volet score,
  the DG ARS's decision lines when one applied;
- ``retenue`` (the retenue's own objet): the lines its reason is about.

Amount rows and objets are those of ``marts.fct_interessement``, ``fct_sanction``, ``fct_retenue``.
Rows are sorted on every column: the same warehouse gives the same feed bytes.
"""

from __future__ import annotations

import pyarrow as pa

#: columns of the feed, in order (name, Arrow type, description in French)
COLONNES: tuple[tuple[str, pa.DataType, str], ...] = (
    ("annee", pa.int32(), "année d'évaluation"),
    ("finess_ej", pa.string(), "n° FINESS de l'entité juridique"),
    ("type_montant", pa.string(), "montant expliqué : interessement_national, interessement_regional, sanction ou retenue"),
    ("objet", pa.string(), "le montant dans sa table : interessement_national:<indicateur>:<finess_geo>, "
                           "interessement_regional:<thème>, sanction:<motif>:<volet>, ou l'objet de la retenue"),
    ("element", pa.string(), "ce que la ligne d'entrée apporte au montant, en clair"),
    ("source", pa.string(), "source de données (dossier de dépôt) de la ligne"),
    ("fichier", pa.string(), "fichier déposé qui contient la ligne"),
    ("ligne", pa.int32(), "numéro de la ligne dans le fichier (vide : lignes agrégées à l'ingestion)"),
    ("sha256", pa.string(), "empreinte SHA-256 du fichier, celle du registre d'ingestion"),
)
FEED = "tracabilite"
NOMS = tuple(c for c, _, _ in COLONNES)
SCHEMA = pa.schema([(c, t) for c, t, _ in COLONNES])
#: (column, SQL type) as the feeds manifest lists a mart's columns
COLONNES_SQL = [(c, "INTEGER" if t == pa.int32() else "VARCHAR") for c, t, _ in COLONNES]
DESCRIPTION = ("Traçabilité : pour chaque montant d'une EJ et d'une année (intéressement national et régional, "
               "lignes de sanction, retenues), les lignes des fichiers déposés dont il découle.")

#: tables the chain reads; without one of them (a warehouse not built yet) the feed is empty
REQUISES = ("marts.fct_evaluation", "marts.fct_interessement", "marts.fct_sanction", "marts.fct_retenue")


def commentaires() -> dict[str, str]:
    """Descriptions of the feed and its columns (``{"": table, column: text}``), for the BI file."""
    return {"": DESCRIPTION, **{c: d for c, _, d in COLONNES}}


def _colonnes(con, table: str) -> set[str]:
    schema, name = table.split(".")
    return {r[0] for r in con.execute(
        "SELECT column_name FROM information_schema.columns WHERE table_schema = ? AND table_name = ?",
        [schema, name]).fetchall()}


def disponible(con) -> bool:
    """Whether the warehouse holds what the chain reads."""
    return all(_colonnes(con, t) for t in REQUISES)


def _sql(ev_cols: set[str]) -> str:
    reference = "ev.annee_reference" if "annee_reference" in ev_cols else "ev.annee - 1"
    methode = "ev.methode_periode" if "methode_periode" in ev_cols else "CAST(NULL AS VARCHAR)"
    return f"""
WITH ev AS (
    SELECT ev.finess_ej, ev.finess_geo, ev.annee, ev.indicateur, ev.volet, ev.theme, ev.type_indicateur,
           {reference} AS annee_reference, {methode} AS methode_periode
    FROM marts.fct_evaluation AS ev
    WHERE ev.annee = $annee AND ev.sous_contrat
),
fichiers_lignes AS (
    SELECT file_name AS fichier, sha256 FROM meta.ledger WHERE source = 'phev_lines' AND status = 'loaded'
),
valeurs AS (
    SELECT ev.finess_ej, ev.finess_geo, ev.indicateur, ev.volet, ev.theme,
           'valeur ' || ev.indicateur || ' de l''ET ' || ev.finess_geo || ' en ' || p.annee AS element,
           'phev' AS source, p._file AS fichier, p._line AS ligne, p._sha256 AS sha256
    FROM ev JOIN raw.phev AS p
      ON p.finess_geo = ev.finess_geo AND p.indicateur = ev.indicateur AND p.annee IN (ev.annee, ev.annee_reference)
    UNION ALL
    SELECT ev.finess_ej, ev.finess_geo, ev.indicateur, ev.volet, ev.theme,
           'valeur ' || ev.indicateur || ' de l''ET ' || ev.finess_geo || ' en ' || r.annee,
           'regional', r._file, r._line, r._sha256
    FROM ev JOIN raw.regional AS r
      ON r.finess_geo = ev.finess_geo AND r.indicateur = ev.indicateur AND r.annee IN (ev.annee, ev.annee_reference)
    UNION ALL
    SELECT ev.finess_ej, ev.finess_geo, ev.indicateur, ev.volet, ev.theme,
           'engagement ' || e.engagement_id || ' du plan d''actions ' || e.theme || ' de l''ET ' || ev.finess_geo
             || ' en ' || e.annee,
           'engagements', e._file, e._line, e._sha256
    FROM ev JOIN raw.engagements AS e
      ON e.finess_geo = ev.finess_geo AND e.annee = ev.annee AND e.theme = ev.theme
    WHERE ev.type_indicateur = 'plan_action'
    UNION ALL
    SELECT ev.finess_ej, ev.finess_geo, ev.indicateur, ev.volet, ev.theme,
           'lignes de dépenses ' || ev.indicateur || ' de l''ET ' || ev.finess_geo
             || ' (agrégées par mois à l''ingestion)',
           'phev_lines', f.fichier, CAST(NULL AS INTEGER), f.sha256
    FROM ev CROSS JOIN fichiers_lignes AS f
    WHERE ev.type_indicateur = 'national' AND EXISTS (
        SELECT 1 FROM raw.phev_lines_agg AS a
        WHERE a.finess_geo = ev.finess_geo AND a.indicateur = ev.indicateur
          AND a.annee IN (ev.annee, ev.annee_reference)
          AND (ev.methode_periode = 'lignes_phev' OR NOT EXISTS (
              SELECT 1 FROM raw.phev AS p
              WHERE p.finess_geo = a.finess_geo AND p.indicateur = a.indicateur AND p.annee = a.annee)))
),
contrats AS (
    SELECT finess_ej, volet, lower(trim(statut)) AS statut,
           'contrat du volet ' || volet || ' (' || statut
             || coalesce(', proposé le ' || strftime(date_proposition, '%d/%m/%Y'), '')
             || coalesce(', signé le ' || strftime(date_signature, '%d/%m/%Y'), '') || ')' AS element,
           'contrats' AS source, _file AS fichier, _line AS ligne, _sha256 AS sha256
    FROM raw.contrats
    UNION ALL
    SELECT finess_ej, volet, 'avenant',
           'avenant du volet ' || volet || ' (' || action || coalesce(' ' || indicateur, '')
             || coalesce(' ET ' || finess_geo, '') || ', signé le ' || strftime(date_signature, '%d/%m/%Y') || ')',
           'avenants', _file, _line, _sha256
    FROM raw.avenants
),
enveloppes AS (
    SELECT theme, 'enveloppe régionale du thème ' || theme || ' en ' || annee AS element,
           'enveloppes' AS source, _file AS fichier, _line AS ligne, _sha256 AS sha256
    FROM raw.enveloppes WHERE annee = $annee
),
modulations AS (
    SELECT finess_ej, 'modulation du DG ARS (coefficient ' || coefficient || ')' AS element,
           'modulations' AS source, _file AS fichier, _line AS ligne, _sha256 AS sha256
    FROM raw.modulations WHERE annee = $annee
),
decisions AS (
    SELECT finess_ej, objet, 'décision du DG ARS (' || objet || ' : ' || choix || ')' AS element,
           'decisions_dg' AS source, _file AS fichier, _line AS ligne, _sha256 AS sha256
    FROM raw.decisions_dg WHERE annee = $annee
),
produits AS (
    SELECT finess_ej, exercice, 'produits AM de l''exercice ' || exercice || ' (base P)' AS element,
           'produits_am' AS source, _file AS fichier, _line AS ligne, _sha256 AS sha256
    FROM raw.produits_am
),
nationaux AS (
    SELECT DISTINCT i.finess_ej, 'interessement_national:' || i.code || ':' || i.finess_geo AS objet,
           i.code AS indicateur, i.finess_geo, ev.volet, i.coefficient_modulation IS NOT NULL AS module
    FROM marts.fct_interessement AS i
    LEFT JOIN ev ON ev.finess_ej = i.finess_ej AND ev.finess_geo = i.finess_geo AND ev.indicateur = i.code
    WHERE i.annee = $annee AND i.type = 'national'
),
regionaux AS (
    SELECT DISTINCT i.finess_ej, 'interessement_regional:' || i.code AS objet, i.code AS theme,
           i.coefficient_modulation IS NOT NULL AS module
    FROM marts.fct_interessement AS i WHERE i.annee = $annee AND i.type = 'regional'
),
sanctions AS (
    SELECT DISTINCT finess_ej, 'sanction:' || motif || ':' || coalesce(volet, '') AS objet, motif, volet,
           exercice_base, choix_dg IS NOT NULL AS decide
    FROM marts.fct_sanction WHERE annee = $annee
),
retenues AS (
    SELECT DISTINCT finess_ej, objet FROM marts.fct_retenue WHERE annee = $annee
),
chaine AS (
    -- intéressement national
    SELECT n.finess_ej, 'interessement_national' AS type_montant, n.objet, v.element, v.source, v.fichier, v.ligne, v.sha256
    FROM nationaux AS n JOIN valeurs AS v
      ON v.finess_ej = n.finess_ej AND v.finess_geo = n.finess_geo AND v.indicateur = n.indicateur
    UNION ALL
    SELECT n.finess_ej, 'interessement_national', n.objet, c.element, c.source, c.fichier, c.ligne, c.sha256
    FROM nationaux AS n JOIN contrats AS c ON c.finess_ej = n.finess_ej AND c.volet = n.volet
    UNION ALL
    SELECT n.finess_ej, 'interessement_national', n.objet, m.element, m.source, m.fichier, m.ligne, m.sha256
    FROM nationaux AS n JOIN modulations AS m ON m.finess_ej = n.finess_ej WHERE n.module
    -- intéressement régional
    UNION ALL
    SELECT r.finess_ej, 'interessement_regional', r.objet, e.element, e.source, e.fichier, e.ligne, e.sha256
    FROM regionaux AS r JOIN enveloppes AS e ON e.theme = r.theme
    UNION ALL
    SELECT r.finess_ej, 'interessement_regional', r.objet, v.element, v.source, v.fichier, v.ligne, v.sha256
    FROM regionaux AS r JOIN valeurs AS v ON v.finess_ej = r.finess_ej AND v.theme = r.theme
    UNION ALL
    SELECT r.finess_ej, 'interessement_regional', r.objet, c.element, c.source, c.fichier, c.ligne, c.sha256
    FROM regionaux AS r JOIN contrats AS c ON c.finess_ej = r.finess_ej
      AND c.volet IN (SELECT volet FROM ev WHERE ev.theme = r.theme)
    UNION ALL
    SELECT r.finess_ej, 'interessement_regional', r.objet, m.element, m.source, m.fichier, m.ligne, m.sha256
    FROM regionaux AS r JOIN modulations AS m ON m.finess_ej = r.finess_ej WHERE r.module
    -- sanctions
    UNION ALL
    SELECT s.finess_ej, 'sanction', s.objet, p.element, p.source, p.fichier, p.ligne, p.sha256
    FROM sanctions AS s JOIN produits AS p ON p.finess_ej = s.finess_ej AND p.exercice = s.exercice_base
    UNION ALL
    SELECT s.finess_ej, 'sanction', s.objet, c.element, c.source, c.fichier, c.ligne, c.sha256
    FROM sanctions AS s JOIN contrats AS c ON c.finess_ej = s.finess_ej
     AND ((s.motif = 'refus' AND c.statut = 'refus' AND list_contains(string_split(s.volet, ','), c.volet))
          OR (s.motif <> 'refus' AND c.volet = s.volet))
    UNION ALL
    SELECT s.finess_ej, 'sanction', s.objet, v.element, v.source, v.fichier, v.ligne, v.sha256
    FROM sanctions AS s JOIN valeurs AS v ON v.finess_ej = s.finess_ej AND v.volet = s.volet
    WHERE s.motif = 'non_atteinte'
    UNION ALL
    SELECT s.finess_ej, 'sanction', s.objet, d.element, d.source, d.fichier, d.ligne, d.sha256
    FROM sanctions AS s JOIN decisions AS d ON d.finess_ej = s.finess_ej
     AND d.objet IN ('sanction', s.motif, s.motif || ':' || coalesce(s.volet, ''))
    WHERE s.decide
    -- retenues: the lines their reason is about
    UNION ALL
    SELECT r.finess_ej, 'retenue', r.objet, v.element, v.source, v.fichier, v.ligne, v.sha256
    FROM retenues AS r JOIN valeurs AS v ON v.finess_ej = r.finess_ej
     AND r.objet = 'interessement_national:' || v.indicateur || ':' || v.finess_geo
    UNION ALL
    SELECT r.finess_ej, 'retenue', r.objet, e.element, e.source, e.fichier, e.ligne, e.sha256
    FROM retenues AS r JOIN enveloppes AS e ON r.objet = 'interessement_regional:' || e.theme
    UNION ALL
    SELECT r.finess_ej, 'retenue', r.objet, m.element, m.source, m.fichier, m.ligne, m.sha256
    FROM retenues AS r JOIN modulations AS m ON m.finess_ej = r.finess_ej AND r.objet = 'interessement:modulation'
    UNION ALL
    SELECT r.finess_ej, 'retenue', r.objet, d.element, d.source, d.fichier, d.ligne, d.sha256
    FROM retenues AS r JOIN decisions AS d ON d.finess_ej = r.finess_ej
     AND r.objet LIKE 'sanction:decision_dg:' || d.objet || '%'
    UNION ALL
    SELECT r.finess_ej, 'retenue', r.objet, p.element, p.source, p.fichier, p.ligne, p.sha256
    FROM retenues AS r JOIN produits AS p ON p.finess_ej = r.finess_ej AND p.exercice = $exercice
    WHERE (r.objet = 'sanction' OR r.objet LIKE 'sanction:%') AND r.objet NOT LIKE 'sanction:decision_dg%'
    UNION ALL
    SELECT r.finess_ej, 'retenue', r.objet, c.element, c.source, c.fichier, c.ligne, c.sha256
    FROM retenues AS r JOIN contrats AS c ON c.finess_ej = r.finess_ej
     AND r.objet IN ('sanction:refus:' || c.volet, 'sanction:non_atteinte:' || c.volet)
    UNION ALL
    SELECT r.finess_ej, 'retenue', r.objet,
           'envoi du document ' || n.document || ' le ' || strftime(n.date_envoi, '%d/%m/%Y')
             || coalesce(', reçu le ' || strftime(n.date_reception, '%d/%m/%Y'), ', réception non renseignée'),
           'notifications', n._file, n._line, n._sha256
    FROM retenues AS r JOIN raw.notifications AS n ON n.finess_ej = r.finess_ej AND n.annee = $annee
    WHERE r.objet = 'procedure:accuse_reception'
    UNION ALL
    SELECT r.finess_ej, 'retenue', r.objet,
           'observations reçues le ' || strftime(o.date_reception, '%d/%m/%Y') || ' (' || o.suite || ')',
           'observations', o._file, o._line, o._sha256
    FROM retenues AS r JOIN raw.observations AS o ON o.finess_ej = r.finess_ej AND o.annee = $annee
    WHERE r.objet = 'procedure:observations'
    UNION ALL
    SELECT r.finess_ej, 'retenue', r.objet,
           'avis de l''assurance maladie du ' || strftime(a.date_avis, '%d/%m/%Y') || ' (' || a.sens || ')',
           'avis_cpam', a._file, a._line, a._sha256
    FROM retenues AS r JOIN raw.avis_cpam AS a ON a.finess_ej = r.finess_ej AND a.annee = $annee
    WHERE r.objet = 'procedure:avis_cpam'
    UNION ALL
    SELECT r.finess_ej, 'retenue', r.objet,
           'ET ' || f.finess_geo || ' rattaché à l''EJ ' || f.finess_ej || ' dans le répertoire FINESS ' || f.annee,
           'finess', f._file, f._line, f._sha256
    FROM retenues AS r JOIN raw.finess AS f ON f.annee = $annee AND r.objet = 'etablissement:' || f.finess_geo
)
SELECT DISTINCT CAST($annee AS INTEGER) AS annee, finess_ej, type_montant, objet, element, source, fichier,
       CAST(ligne AS INTEGER) AS ligne, sha256
FROM chaine
WHERE CAST($finess_ej AS VARCHAR) IS NULL OR finess_ej = CAST($finess_ej AS VARCHAR)
ORDER BY ALL
"""


def table_tracabilite(con, annee: int, exercice_base: int, finess_ej: str | None = None) -> pa.Table:
    """The chain of year ``annee`` (of one EJ when ``finess_ej`` is given), as an Arrow table.

    ``exercice_base``: the produits AM exercice of the year's base P (référentiel
    ``exercice_base``), for the retenues about a sanction not computed."""
    if not disponible(con):
        return SCHEMA.empty_table()
    sql = _sql(_colonnes(con, "marts.fct_evaluation"))
    params = {"annee": int(annee), "exercice": int(exercice_base), "finess_ej": finess_ej}
    got = con.sql(sql, params=params).to_arrow_table()
    return got.cast(SCHEMA)


def lignes_tracabilite(con, annee: int, exercice_base: int, finess_ej: str | None = None) -> list[dict]:
    """:func:`table_tracabilite` as a list of dicts."""
    return table_tracabilite(con, annee, exercice_base, finess_ej).to_pylist()
