select
    cast(campagne as varchar) as campagne,
    cast(theme as varchar) as theme,
    cast(volet as varchar) as volet,
    cast(libelle as varchar) as libelle,
    cast(poids as decimal(9, 4)) as poids,
    cast(enveloppe_regionale as boolean) as enveloppe_regionale,
    cast(poids_plan_actions as decimal(9, 4)) as poids_plan_actions,
    cast(objectif_plan_actions as decimal(18, 6)) as objectif_plan_actions
from {{ source('raw', 'ref_theme') }}
