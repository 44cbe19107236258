{#
  Year spine: every year with data, the years after them (targeting for N reads N - décalage),
  and the campaigns' evaluation years. Each year is attached to one campaign, whose référentiel
  (indicator definitions, thresholds, targets, weights, reference lag) applies to it:
  the campaign that evaluates it; else the next campaign after it (its data serves as a
  reference); else the last campaign before it.
#}
with evaluation as (
    select campagne, annee_evaluation as annee, decalage_reference
    from {{ ref('stg_ref_campagne') }}
),

bornes as (
    select
        campagne,
        min(annee) as annee_min,
        max(annee) as annee_max,
        max(decalage_reference) as decalage_reference
    from evaluation
    group by campagne
),

annees_donnees as (
    select annee from {{ ref('stg_finess') }}
    union select annee from {{ ref('stg_phev') }}
    union select annee from {{ ref('stg_phev_lines') }}
    union select annee from {{ ref('stg_regional') }}
    union select annee from {{ ref('stg_engagements') }}
),

annees as (
    select annee from annees_donnees
    union select d.annee + b.decalage_reference from annees_donnees as d cross join bornes as b
    union select annee from evaluation
),

candidats as (
    select
        a.annee,
        b.campagne,
        b.decalage_reference,
        case
            when e.annee is not null then 0
            when b.annee_min > a.annee then 1
            else 2
        end as priorite,
        case when b.annee_min > a.annee then b.annee_min - a.annee else a.annee - b.annee_max end as distance,
        row_number() over (
            partition by a.annee
            order by
                case when e.annee is not null then 0 when b.annee_min > a.annee then 1 else 2 end,
                case when b.annee_min > a.annee then b.annee_min - a.annee else a.annee - b.annee_max end,
                b.campagne
        ) as rang
    from annees as a
    cross join bornes as b
    left join evaluation as e
        on e.campagne = b.campagne and e.annee = a.annee
)

select
    cast(annee as integer) as annee,
    cast(campagne as varchar) as campagne,
    cast(decalage_reference as integer) as decalage_reference,
    cast(annee - decalage_reference as integer) as annee_reference,
    priorite = 0 as annee_evaluation
from candidats
where rang = 1
