{#
  Optional line-level PHEV feed aggregated to ET × year × indicator, per source file.
  Incremental: a run only reads the Parquet files not loaded yet (see macros/phev_lines.sql),
  so a nightly run with one new partition processes that partition alone. Rows of a file are
  never rewritten; `invocation_id` records the dbt run that loaded them.
  Year = calendar year of date_execution. Empty when the feed is absent.
#}
{{ config(materialized='incremental', incremental_strategy='append', on_schema_change='fail') }}

with lignes as (
    {{ caqes.phev_lines_new_rows() }}
)
select
    cast(fichier as varchar) as fichier,
    cast(finess_geo as varchar) as finess_geo,
    cast(extract(year from date_execution) as integer) as annee,
    cast(indicateur as varchar) as indicateur,
    cast(sum(montant_rembourse) as decimal(18, 2)) as montant,
    cast(sum(quantite) as bigint) as volume,
    cast(count(*) as bigint) as nb_lignes,
    cast('{{ invocation_id }}' as varchar) as invocation_id
from lignes
group by fichier, finess_geo, extract(year from date_execution), indicateur
