{#
  Theme score per EJ × year = weighted mean (ref_indicateur.poids) of the EJ's evaluable
  indicator attainments × 100, rounded half-up to 2 decimals. NULL (not evaluable) when no
  indicator of the theme is evaluable.
#}
with atteintes as (
    select
        a.*,
        c.poids
    from {{ ref('int_11_atteinte_ej') }} as a
    inner join {{ ref('int_02_catalogue_indicateurs') }} as c
        on c.campagne = a.campagne and c.indicateur = a.indicateur
)

select
    finess_ej,
    annee,
    campagne,
    volet,
    theme,
    cast(count(*) as integer) as nb_indicateurs,
    cast(count(atteinte) as integer) as nb_elements,
    {{ caqes.weighted_score('atteinte', 'poids', 14, factor=100) }} as score
from atteintes
group by finess_ej, annee, campagne, volet, theme
