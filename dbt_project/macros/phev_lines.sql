{#
  Line-level PHEV extract (optional feed `phev_lines`), read adapter by adapter.

  `phev_lines_new_rows()` returns the lines of the files that {{ this }} has not loaded yet
  (every file when the model is built from scratch), with the columns
  fichier, finess_geo, date_execution, indicateur, code, montant_rembourse, quantite.
  `fichier` is the file's path relative to the feed folder (`annee=2024/part-0.parquet`), so a
  moved landing folder does not reload anything.

  - duckdb: the Parquet files `<phev_lines_path>/annee=YYYY/*.parquet` (var `phev_lines_path`),
    read with read_parquet on the explicit list of new files: old partitions are not even opened.
  - other adapters (postgres): the table `<raw schema>.phev_lines`, loaded beforehand with the
    same columns plus `_file` (the Parquet file it came from, relative to the feed folder).
  With no feed (no folder, no file, no table) the result is empty.

  `phev_lines_legacy()`: true when {{ this }} exists but was built before the month entered its
  grain (no column `mois`). Its rows cannot be split by month, so the model reloads every file:
  the pre-hook of stg_phev_lines empties the table and every file counts as new (one run).
#}

{% macro phev_lines_legacy() -%}
    {%- if execute and is_incremental() -%}
        {%- set names = adapter.get_columns_in_relation(this) | map(attribute='name') | map('lower') | list -%}
        {{- return('mois' not in names) -}}
    {%- endif -%}
    {{- return(false) -}}
{%- endmacro %}

{% macro phev_lines_empty() -%}
    select
        cast(null as varchar) as fichier,
        cast(null as varchar) as finess_geo,
        cast(null as date) as date_execution,
        cast(null as varchar) as indicateur,
        cast(null as varchar) as code,
        cast(null as decimal(18, 2)) as montant_rembourse,
        cast(null as bigint) as quantite
    where 1 = 0
{%- endmacro %}

{% macro raw_schema() -%}
    {{- (env_var('CAQES_SANDBOX_SCHEMA', '') | trim) or 'raw' -}}
{%- endmacro %}

{% macro phev_lines_new_rows() -%}
    {{ return(adapter.dispatch('phev_lines_new_rows', 'caqes')()) }}
{%- endmacro %}

{% macro duckdb__phev_lines_new_rows() -%}
    {%- set root = (var('phev_lines_path', '') or '') | string | trim -%}
    {%- set root = root.rstrip('/') -%}
    {%- set new_files = [] -%}
    {%- if execute and root -%}
        {%- set pattern = (root ~ '/annee=*/*.parquet') | replace("'", "''") -%}
        {%- set found = run_query("select file from glob('" ~ pattern ~ "') order by file").columns[0].values() | list -%}
        {%- set loaded = [] -%}
        {%- if is_incremental() and not caqes.phev_lines_legacy() -%}
            {%- set loaded = run_query("select distinct fichier from " ~ this).columns[0].values() | list -%}
        {%- endif -%}
        {%- for f in found -%}
            {%- if f[(root | length) + 1:] not in loaded -%}
                {%- do new_files.append(f | replace("'", "''")) -%}
            {%- endif -%}
        {%- endfor -%}
    {%- endif -%}
    {%- if new_files -%}
    select
        substr(filename, {{ (root | length) + 2 }}) as fichier,
        cast(finess_geo as varchar) as finess_geo,
        cast(date_execution as date) as date_execution,
        cast(indicateur as varchar) as indicateur,
        cast(code as varchar) as code,
        cast(montant_rembourse as decimal(18, 2)) as montant_rembourse,
        cast(quantite as bigint) as quantite
    from read_parquet([{% for f in new_files %}'{{ f }}'{% if not loop.last %}, {% endif %}{% endfor %}], filename = true, hive_partitioning = false)
    {%- else -%}
    {{ caqes.phev_lines_empty() }}
    {%- endif -%}
{%- endmacro %}

{% macro default__phev_lines_new_rows() -%}
    {%- set relation = none -%}
    {%- if execute -%}
        {%- set relation = adapter.get_relation(database=target.database, schema=caqes.raw_schema(), identifier='phev_lines') -%}
    {%- endif -%}
    {%- if relation is not none -%}
    select
        cast(_file as varchar) as fichier,
        cast(finess_geo as varchar) as finess_geo,
        cast(date_execution as date) as date_execution,
        cast(indicateur as varchar) as indicateur,
        cast(code as varchar) as code,
        cast(montant_rembourse as decimal(18, 2)) as montant_rembourse,
        cast(quantite as bigint) as quantite
    from {{ relation }}
    {%- if is_incremental() and not caqes.phev_lines_legacy() %}
    where _file not in (select fichier from {{ this }})
    {%- endif %}
    {%- else -%}
    {{ caqes.phev_lines_empty() }}
    {%- endif -%}
{%- endmacro %}
