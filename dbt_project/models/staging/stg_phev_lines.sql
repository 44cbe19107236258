{#
  Optional line-level PHEV feed, as the ingest stage validated and aggregated it
  (caqes_tasks/ingest/phev_lines.py): raw.phev_lines_agg holds, summed over the accepted files,
  one row per ET × month of date_execution × indicator. The lines themselves (up to 10⁸ a year)
  are never read by dbt. annee = calendar year of date_execution; mois = first day of its month
  (DATE): the month lets the national savings of a contract's first year be counted exactly
  from its date_effet (docs/rules.md §6, int_09_evaluation_et). Empty when the feed is absent.
#}
select
    cast(finess_geo as varchar) as finess_geo,
    cast(annee as integer) as annee,
    cast(mois as date) as mois,
    cast(indicateur as varchar) as indicateur,
    cast(montant as decimal(18, 2)) as montant,
    cast(volume as bigint) as volume,
    cast(nb_lignes as bigint) as nb_lignes
from {{ source('raw', 'phev_lines_agg') }}
