{#
  Volet score per EJ × year = weighted mean (ref_theme.poids) of the rounded theme scores,
  rounded half-up to 2 decimals; not evaluable themes are left out; NULL when none is evaluable.
#}
with themes as (
    select
        s.*,
        t.poids
    from {{ ref('int_12_scores_themes') }} as s
    inner join {{ ref('stg_ref_theme') }} as t
        on t.campagne = s.campagne and t.theme = s.theme
)

select
    finess_ej,
    annee,
    campagne,
    volet,
    cast(count(*) as integer) as nb_themes,
    cast(count(score) as integer) as nb_elements,
    {{ caqes.weighted_score('score', 'poids', 6) }} as score
from themes
group by finess_ej, annee, campagne, volet
