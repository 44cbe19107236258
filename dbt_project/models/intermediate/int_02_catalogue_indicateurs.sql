{#
  Indicators of each campaign, plus one action-plan pseudo-indicator per theme
  (PLAN_<theme>, type plan_action): a theme's engagements count as one more indicator of the
  theme (docs/rules.md §5), with the weight and objective of the référentiel's plan_actions
  block (1 and 1 by default: equal weights, every item realised).
#}
select
    campagne,
    indicateur,
    libelle,
    type_indicateur,
    volet,
    theme,
    mesure,
    sens,
    regle_ciblage,
    min_base,
    max_taux_evolution,
    seuil_valeur,
    objectif_taux_evolution,
    objectif_valeur,
    poids,
    part_nationale
from {{ ref('stg_ref_indicateur') }}

union all

select
    campagne,
    cast('PLAN_' || theme as varchar) as indicateur,
    cast('Plan d''actions : ' || libelle as varchar) as libelle,
    cast('plan_action' as varchar) as type_indicateur,
    volet,
    theme,
    cast('share' as varchar) as mesure,
    cast('higher_is_better' as varchar) as sens,
    cast(null as varchar) as regle_ciblage,
    cast(null as decimal(18, 4)) as min_base,
    cast(null as decimal(18, 6)) as max_taux_evolution,
    cast(null as decimal(18, 6)) as seuil_valeur,
    cast(null as decimal(18, 6)) as objectif_taux_evolution,
    cast(objectif_plan_actions as decimal(18, 6)) as objectif_valeur,
    cast(poids_plan_actions as decimal(9, 4)) as poids,
    cast(null as decimal(9, 6)) as part_nationale
from {{ ref('stg_ref_theme') }}
