{#
  Contract score per EJ × year = weighted mean (ref_volet.poids) of the rounded volet scores,
  rounded half-up to 2 decimals; NULL when no volet is evaluable.
#}
with volets as (
    select
        s.*,
        v.poids
    from {{ ref('int_13_scores_volets') }} as s
    inner join {{ ref('stg_ref_volet') }} as v
        on v.campagne = s.campagne and v.volet = s.volet
)

select
    finess_ej,
    annee,
    campagne,
    cast(count(*) as integer) as nb_volets,
    cast(count(score) as integer) as nb_elements,
    {{ caqes.weighted_score('score', 'poids', 6) }} as score
from volets
group by finess_ej, annee, campagne
