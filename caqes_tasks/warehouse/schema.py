"""Typed tables the Python stages write. dbt models declare their own (dbt_project/models).

raw.*   : inputs as loaded by ingest (one table per source; lineage columns _file, _sha256, _line)
meta.*  : ingestion ledger and runs
marts.* : outcome tables written by caqes_tasks.outcomes (fct_interessement, fct_sanction, ...)
Money is DECIMAL(18,2) euros everywhere (exact); Python reads it as Decimal.
The tables the outcomes stage writes (marts.fct_*, meta.procedure) are declared column by column
(``Colonne``): the stage inserts, and ``create_schemas`` migrates, from that declaration. The
raw and meta tables are declared by their column lists; ``create_schemas`` adds to an earlier
warehouse's tables the columns declared since (``add_declared_columns``).
"""

from dataclasses import dataclass


@dataclass(frozen=True)
class Colonne:
    """One declared column: its name, DuckDB type and whether it is NOT NULL."""

    nom: str
    type: str
    requise: bool = False

    @property
    def ddl(self) -> str:
        return f"{self.nom} {self.type}{' NOT NULL' if self.requise else ''}"


def _req(nom: str, type_: str) -> Colonne:
    return Colonne(nom, type_, True)


def _col(nom: str, type_: str) -> Colonne:
    return Colonne(nom, type_)


def ddl(colonnes: tuple[Colonne, ...]) -> str:
    """The column list of a CREATE TABLE."""
    return ", ".join(c.ddl for c in colonnes)


LINEAGE = "_file VARCHAR NOT NULL, _sha256 VARCHAR NOT NULL, _line INTEGER NOT NULL"

RAW_TABLES: dict[str, str] = {
    "finess": f"""
        extract_date DATE NOT NULL, annee INTEGER NOT NULL,
        finess_geo VARCHAR NOT NULL, finess_ej VARCHAR NOT NULL,
        raison_sociale VARCHAR, raison_sociale_longue VARCHAR, commune VARCHAR,
        departement VARCHAR, libelle_departement VARCHAR, ligne_acheminement VARCHAR,
        categorie VARCHAR, libelle_categorie VARCHAR, categorie_agregee VARCHAR,
        libelle_categorie_agregee VARCHAR, siret VARCHAR, code_ape VARCHAR, code_mft VARCHAR,
        libelle_mft VARCHAR, code_sph VARCHAR, libelle_sph VARCHAR,
        date_ouverture DATE, date_autorisation DATE, date_maj DATE, {LINEAGE}""",
    # FINESS extract of the legal entities (optional): names and addresses of the EJs
    "finess_ej": f"""
        extract_date DATE NOT NULL, annee INTEGER NOT NULL, finess_ej VARCHAR NOT NULL,
        raison_sociale VARCHAR NOT NULL, raison_sociale_longue VARCHAR, complement_raison_sociale VARCHAR,
        complement_distribution VARCHAR, numero_voie VARCHAR, type_voie VARCHAR, voie VARCHAR,
        complement_voie VARCHAR, lieu_dit_bp VARCHAR, commune VARCHAR, departement VARCHAR,
        libelle_departement VARCHAR, ligne_acheminement VARCHAR, telephone VARCHAR, telecopie VARCHAR,
        statut_juridique VARCHAR, libelle_statut_juridique VARCHAR, siren VARCHAR, code_ape VARCHAR,
        date_creation DATE, date_maj DATE, {LINEAGE}""",
    "phev": f"""
        finess_geo VARCHAR NOT NULL, annee INTEGER NOT NULL, indicateur VARCHAR NOT NULL,
        montant_rembourse DECIMAL(18,2), volume BIGINT, numerateur DECIMAL(18,2),
        denominateur DECIMAL(18,2), {LINEAGE}""",
    "regional": f"""
        finess_geo VARCHAR NOT NULL, annee INTEGER NOT NULL, indicateur VARCHAR NOT NULL,
        valeur DECIMAL(18,6), numerateur DECIMAL(18,2), denominateur DECIMAL(18,2), {LINEAGE}""",
    "engagements": f"""
        finess_geo VARCHAR NOT NULL, annee INTEGER NOT NULL, theme VARCHAR NOT NULL,
        engagement_id VARCHAR NOT NULL, libelle VARCHAR, realise BOOLEAN NOT NULL, {LINEAGE}""",
    "contrats": f"""
        finess_ej VARCHAR NOT NULL, volet VARCHAR NOT NULL, statut VARCHAR NOT NULL,
        date_proposition DATE, date_signature DATE, date_effet DATE, date_fin DATE, {LINEAGE}""",
    "avenants": f"""
        finess_ej VARCHAR NOT NULL, volet VARCHAR NOT NULL, finess_geo VARCHAR, indicateur VARCHAR,
        action VARCHAR NOT NULL, date_signature DATE NOT NULL, motif VARCHAR, {LINEAGE}""",
    "notifications": f"""
        finess_ej VARCHAR NOT NULL, annee INTEGER NOT NULL, document VARCHAR NOT NULL,
        date_envoi DATE NOT NULL, date_reception DATE, {LINEAGE}""",
    "avis_cpam": f"""
        finess_ej VARCHAR NOT NULL, annee INTEGER NOT NULL, date_avis DATE NOT NULL,
        sens VARCHAR NOT NULL, commentaire VARCHAR, {LINEAGE}""",
    "decisions_dg": f"""
        finess_ej VARCHAR NOT NULL, annee INTEGER NOT NULL, objet VARCHAR NOT NULL,
        choix VARCHAR NOT NULL, montant_base DECIMAL(18,2), motif VARCHAR NOT NULL, {LINEAGE}""",
    "produits_am": f"""
        finess_ej VARCHAR NOT NULL, exercice INTEGER NOT NULL, produits_am DECIMAL(18,2) NOT NULL, {LINEAGE}""",
    "enveloppes": f"""
        annee INTEGER NOT NULL, theme VARCHAR NOT NULL, montant DECIMAL(18,2) NOT NULL, {LINEAGE}""",
    "modulations": f"""
        finess_ej VARCHAR NOT NULL, annee INTEGER NOT NULL, coefficient DECIMAL(9,6) NOT NULL,
        motif VARCHAR, {LINEAGE}""",
    "observations": f"""
        finess_ej VARCHAR NOT NULL, annee INTEGER NOT NULL, date_reception DATE NOT NULL,
        suite VARCHAR NOT NULL, montant_retenu DECIMAL(18,2), motif VARCHAR, {LINEAGE}""",
    "autoevaluations": f"""
        finess_ej VARCHAR NOT NULL, annee INTEGER NOT NULL, theme VARCHAR NOT NULL,
        realisation VARCHAR NOT NULL, commentaire VARCHAR, {LINEAGE}""",
    # phev_lines (line-level Parquet, up to 10⁸ lines a year) is validated and aggregated at
    # ingest (caqes_tasks.ingest.phev_lines): only its aggregate is stored, summed over the
    # accepted files (the ledger lists them); mois = first day of the month of date_execution.
    "phev_lines_agg": """
        finess_geo VARCHAR NOT NULL, annee INTEGER NOT NULL, mois DATE NOT NULL, indicateur VARCHAR NOT NULL,
        montant DECIMAL(18,2) NOT NULL, volume BIGINT NOT NULL, nb_lignes BIGINT NOT NULL""",
}

# Source grain (key columns) per source: no duplicate allowed, used for supersession too.
# A key column may be NULL (contrats.date_proposition, avenants.finess_geo/indicateur of a
# résiliation): two NULLs are the same key value.
SOURCE_KEYS: dict[str, tuple[str, ...]] = {
    "finess": ("annee", "finess_geo"),
    "finess_ej": ("annee", "finess_ej"),
    "phev": ("finess_geo", "annee", "indicateur"),
    "regional": ("finess_geo", "annee", "indicateur"),
    "engagements": ("finess_geo", "annee", "theme", "engagement_id"),
    "contrats": ("finess_ej", "volet", "date_proposition"),
    "avenants": ("finess_ej", "volet", "finess_geo", "indicateur", "action", "date_signature"),
    "notifications": ("finess_ej", "annee", "document", "date_envoi"),
    "avis_cpam": ("finess_ej", "annee"),
    "decisions_dg": ("finess_ej", "annee", "objet", "choix"),
    "produits_am": ("finess_ej", "exercice"),
    "enveloppes": ("annee", "theme"),
    "modulations": ("finess_ej", "annee"),
    "observations": ("finess_ej", "annee"),
    "autoevaluations": ("finess_ej", "annee", "theme"),
}

REF_TABLES: dict[str, str] = {
    "ref_campagne": """campagne VARCHAR, version VARCHAR, sha256 VARCHAR, date_debut DATE, date_fin DATE,
        decalage_reference INTEGER, annee_evaluation INTEGER""",
    "ref_volet": "campagne VARCHAR, volet VARCHAR, libelle VARCHAR, poids DECIMAL(9,4)",
    "ref_theme": """campagne VARCHAR, theme VARCHAR, volet VARCHAR, libelle VARCHAR, poids DECIMAL(9,4),
        enveloppe_regionale BOOLEAN, poids_plan_actions DECIMAL(9,4), objectif_plan_actions DECIMAL(18,6)""",
    "ref_indicateur": """campagne VARCHAR, indicateur VARCHAR, libelle VARCHAR, type_indicateur VARCHAR,
        volet VARCHAR, theme VARCHAR, mesure VARCHAR, sens VARCHAR, regle_ciblage VARCHAR,
        min_base DECIMAL(18,4), max_taux_evolution DECIMAL(18,6), seuil_valeur DECIMAL(18,6),
        objectif_taux_evolution DECIMAL(18,6), objectif_valeur DECIMAL(18,6), poids DECIMAL(9,4),
        part_nationale DECIMAL(9,6), source VARCHAR""",
    "ref_ciblage_liste": "campagne VARCHAR, indicateur VARCHAR, finess_geo VARCHAR",
}

# Contradictory procedure per EJ and year (caqes_tasks.outcomes.procedure): append-only
# snapshots, one per transition (sequence); never replaced by a re-run. The deadline for
# observations runs from the receipt of the notice (NULL until it is known); en_attente is
# what the procedure waited for when the snapshot was taken.
PROCEDURE_COLUMNS: tuple[Colonne, ...] = (
    _req("finess_ej", "VARCHAR"), _req("annee", "INTEGER"), _req("sequence", "INTEGER"),
    _req("etape", "VARCHAR"), _req("date_evenement", "DATE"), _req("date_notification", "DATE"),
    _col("date_limite_observations", "DATE"), _req("montant_notifie", "DECIMAL(18,2)"),
    _col("faits", "VARCHAR"), _col("date_reception_observations", "DATE"),
    _col("suite_observations", "VARCHAR"), _col("montant_retenu", "DECIMAL(18,2)"),
    _col("motif_observations", "VARCHAR"), _col("date_decision", "DATE"),
    _col("montant_final", "DECIMAL(18,2)"), _col("voies_recours", "VARCHAR"), _req("run_id", "VARCHAR"),
    _col("date_reception_notification", "DATE"), _col("date_avis_cpam", "DATE"),
    _col("sens_avis_cpam", "VARCHAR"), _col("commentaire_avis_cpam", "VARCHAR"),
    _col("en_attente", "VARCHAR"),
)

META_TABLES: dict[str, str] = {
    "ledger": """source VARCHAR NOT NULL, file_name VARCHAR NOT NULL, sha256 VARCHAR NOT NULL,
        rows INTEGER, status VARCHAR NOT NULL, run_id VARCHAR, recorded_at TIMESTAMP NOT NULL,
        superseded_by VARCHAR, report VARCHAR, message VARCHAR, blocked_years VARCHAR""",
    # Per run and evaluation year: may downstream stages compute it? (written by ingest)
    "year_status": """run_id VARCHAR NOT NULL, annee INTEGER NOT NULL, status VARCHAR NOT NULL,
        reasons VARCHAR, recorded_at TIMESTAMP NOT NULL""",
    # dbt builds (caqes_tasks.transform): the digest of each build's inputs, written in the
    # built copy so that it switches with the marts; an unchanged digest skips the build.
    "dbt_builds": """fingerprint VARCHAR NOT NULL, selection VARCHAR NOT NULL, run_id VARCHAR NOT NULL,
        built_at TIMESTAMP NOT NULL, docs_dir VARCHAR, summary VARCHAR""",
    "runs": """run_id VARCHAR NOT NULL, annee INTEGER NOT NULL, orchestrator_run_id VARCHAR,
        started_at TIMESTAMP, finished_at TIMESTAMP, status VARCHAR, manifest VARCHAR""",
    "procedure": ddl(PROCEDURE_COLUMNS),  # declared above, column by column
}

OUTCOME_COLUMNS: dict[str, tuple[Colonne, ...]] = {
    "fct_interessement": (
        _req("finess_ej", "VARCHAR"), _req("annee", "INTEGER"), _req("type", "VARCHAR"),
        _req("code", "VARCHAR"), _col("finess_geo", "VARCHAR"), _col("montant_plafond", "DECIMAL(18,2)"),
        _col("montant_calcule", "DECIMAL(18,2)"), _col("coefficient_modulation", "DECIMAL(9,6)"),
        _req("montant", "DECIMAL(18,2)"), _col("score", "DECIMAL(5,2)"), _col("economie", "DECIMAL(18,2)"),
        _col("part", "DECIMAL(9,6)"), _col("detail", "VARCHAR"), _req("run_id", "VARCHAR"),
        _col("atteinte", "DECIMAL(18,6)"), _col("formule", "VARCHAR"), _col("debut_periode", "DATE"),
        _col("methode_periode", "VARCHAR"), _col("motif_modulation", "VARCHAR"),
    ),
    # code_plafond: the cap that limited the amount as a code (outcomes.vocabulary.Plafond),
    # plafond_applique the same in words
    "fct_sanction": (
        _req("finess_ej", "VARCHAR"), _req("annee", "INTEGER"), _req("motif", "VARCHAR"),
        _col("volet", "VARCHAR"), _col("base_produits_am", "DECIMAL(18,2)"), _col("exercice_base", "INTEGER"),
        _col("taux", "DECIMAL(9,6)"), _col("montant_calcule", "DECIMAL(18,2)"),
        _req("montant", "DECIMAL(18,2)"), _col("plafond", "DECIMAL(18,2)"), _col("plafond_applique", "VARCHAR"),
        _col("type_decision", "VARCHAR"), _req("statut", "VARCHAR"), _col("detail", "VARCHAR"),
        _req("run_id", "VARCHAR"), _col("impact", "DECIMAL(18,2)"), _col("date_proposition", "DATE"),
        _col("reference_article", "VARCHAR"), _col("motif_dg", "VARCHAR"), _col("choix_dg", "VARCHAR"),
        _col("base_liste_en_sus", "DECIMAL(18,2)"), _col("code_plafond", "VARCHAR"),
    ),
    "fct_procedure": (
        _req("finess_ej", "VARCHAR"), _req("annee", "INTEGER"), _req("etape", "VARCHAR"),
        _col("date_notification", "DATE"), _col("date_limite_observations", "DATE"),
        _col("date_reception_observations", "DATE"), _col("suite_observations", "VARCHAR"),
        _col("date_decision", "DATE"), _col("montant_notifie", "DECIMAL(18,2)"),
        _col("montant_final", "DECIMAL(18,2)"), _req("run_id", "VARCHAR"),
        _col("date_reception_notification", "DATE"), _col("date_avis_cpam", "DATE"),
        _col("sens_avis_cpam", "VARCHAR"), _col("commentaire_avis_cpam", "VARCHAR"),
        _col("en_attente", "VARCHAR"),
    ),
    "fct_enveloppe": (
        _req("annee", "INTEGER"), _req("theme", "VARCHAR"), _req("montant", "DECIMAL(18,2)"),
        _req("montant_distribue", "DECIMAL(18,2)"), _req("nb_ej_concernees", "INTEGER"),
        _req("run_id", "VARCHAR"),
    ),
    "fct_retenue": (
        _req("finess_ej", "VARCHAR"), _req("annee", "INTEGER"), _req("objet", "VARCHAR"),
        _req("raison", "VARCHAR"), _req("run_id", "VARCHAR"),
    ),
}
OUTCOME_TABLES: dict[str, str] = {name: ddl(cols) for name, cols in OUTCOME_COLUMNS.items()}


# dbt marts (dbt_project/models/marts, contracts there) and every table published as a feed.
DBT_MARTS: tuple[str, ...] = (
    "dim_etablissement",
    "fct_indicateur",
    "fct_ciblage",
    "fct_volet_propose",
    "fct_contractualisation",
    "fct_perimetre",
    "fct_evaluation",
    "fct_score",
    # label dimensions: codes of the référentiel and of the marts in plain French
    "dim_indicateur",
    "dim_theme",
    "dim_volet",
    "dim_statut",
)
PUBLISHED_MARTS: tuple[str, ...] = DBT_MARTS + tuple(OUTCOME_TABLES)


def create_schemas(con) -> None:
    """Create every schema and table the Python stages write (idempotent), and bring the outcome
    tables of an existing warehouse to their declared columns (``migrate_outcome_tables``)."""
    for schema in ("raw", "meta", "marts"):
        con.execute(f"CREATE SCHEMA IF NOT EXISTS {schema}")
    for name, cols in RAW_TABLES.items():
        con.execute(f"CREATE TABLE IF NOT EXISTS raw.{name} ({cols})")
    for name, cols in REF_TABLES.items():
        con.execute(f"CREATE TABLE IF NOT EXISTS raw.{name} ({cols})")
    for name, cols in META_TABLES.items():
        con.execute(f"CREATE TABLE IF NOT EXISTS meta.{name} ({cols})")
    for name, cols in OUTCOME_TABLES.items():
        con.execute(f"CREATE TABLE IF NOT EXISTS marts.{name} ({cols})")
    add_declared_columns(con)
    migrate_outcome_tables(con)


def _declared_columns(tables: dict[str, str]) -> dict[str, list[tuple[str, str]]]:
    """(name, type) of every column of ``tables`` (name -> column list of a CREATE TABLE), as
    DuckDB reads the declaration."""
    import duckdb

    mem = duckdb.connect()
    try:
        out = {}
        for name, cols in tables.items():
            mem.execute(f"CREATE TABLE {name} ({cols})")
            out[name] = [(c, t) for c, t in mem.execute(
                "SELECT column_name, data_type FROM information_schema.columns WHERE table_name = ? "
                "ORDER BY ordinal_position", [name]).fetchall()]
        return out
    finally:
        mem.close()


def add_declared_columns(con) -> None:
    """Add to the raw and meta tables of an existing warehouse the columns declared since it was
    created (``RAW_TABLES``, ``REF_TABLES``, ``META_TABLES``: the declaration is the only list).
    A column added so is nullable: the rows already loaded keep NULL (idempotent)."""
    for schema, tables in (("raw", {**RAW_TABLES, **REF_TABLES}), ("meta", META_TABLES)):
        existing: dict[str, set[str]] = {}
        for table, column in con.execute(
            "SELECT table_name, column_name FROM information_schema.columns WHERE table_schema = ?", [schema]
        ).fetchall():
            existing.setdefault(table, set()).add(column)
        for table, columns in _declared_columns(tables).items():
            if table not in existing:
                continue
            for column, type_ in columns:
                if column not in existing[table]:
                    con.execute(f"ALTER TABLE {schema}.{table} ADD COLUMN {column} {type_}")


def migrate_outcome_tables(con) -> None:
    """Bring the outcome tables of an existing warehouse to their declared columns.

    ``CREATE TABLE IF NOT EXISTS`` keeps a table created by an earlier version as it was: the
    columns added since are added (NULL in earlier rows, which stay untouched — meta.procedure is
    append-only) and a column that became nullable loses its NOT NULL. Done when the schemas are
    created (ingest, before the dbt build tests these tables as sources) and by the outcomes stage.
    """
    from caqes_tasks.warehouse.connection import execute_native, is_postgres

    postgres = is_postgres(con)
    tables = [("marts", name, cols) for name, cols in OUTCOME_COLUMNS.items()]
    tables.append(("meta", "procedure", PROCEDURE_COLUMNS))
    for schema, table, colonnes in tables:
        existing = {
            name: nullable == "YES"
            for name, nullable in con.execute(
                "SELECT column_name, is_nullable FROM information_schema.columns WHERE table_schema = ? AND table_name = ?",
                [schema, table],
            ).fetchall()
        }
        for col in colonnes:
            if col.nom not in existing:
                con.execute(f"ALTER TABLE {schema}.{table} ADD COLUMN {col.nom} {col.type}")
            elif not col.requise and not existing[col.nom]:
                sql = f"ALTER TABLE {schema}.{table} ALTER COLUMN {col.nom} DROP NOT NULL"
                execute_native(con, sql) if postgres else con.execute(sql)
