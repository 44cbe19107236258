{#
  Optional line-level PHEV feed aggregated to ET × month × indicator, per source file.
  Incremental: a run only reads the Parquet files not loaded yet (see macros/phev_lines.sql),
  so a nightly run with one new partition processes that partition alone. Rows of a file are
  never rewritten; `invocation_id` records the dbt run that loaded them.
  annee = calendar year of date_execution; mois = first day of its month (DATE): the month lets
  the national savings of a contract's first year be counted exactly from its date_effet
  (docs/rules.md §6, int_09_evaluation_et). Empty when the feed is absent.
  A table built before `mois` was part of the grain is emptied and reloaded once (pre-hook,
  macros/phev_lines.sql: phev_lines_legacy).
#}
{{ config(
    materialized='incremental',
    incremental_strategy='append',
    on_schema_change='append_new_columns',
    pre_hook="{% if caqes.phev_lines_legacy() %}delete from {{ this }}{% endif %}"
) }}

with lignes as (
    select
        fichier,
        finess_geo,
        cast(extract(year from date_execution) as integer) as annee,
        cast({{ dbt.date_trunc('month', 'date_execution') }} as date) as mois,
        indicateur,
        montant_rembourse,
        quantite
    from ({{ caqes.phev_lines_new_rows() }}) as nouvelles
)
select
    cast(fichier as varchar) as fichier,
    cast(finess_geo as varchar) as finess_geo,
    cast(annee as integer) as annee,
    cast(indicateur as varchar) as indicateur,
    cast(sum(montant_rembourse) as decimal(18, 2)) as montant,
    cast(sum(quantite) as bigint) as volume,
    cast(count(*) as bigint) as nb_lignes,
    cast('{{ invocation_id }}' as varchar) as invocation_id,
    cast(mois as date) as mois
from lignes
group by fichier, finess_geo, annee, mois, indicateur
