select
    cast(campagne as varchar) as campagne,
    cast(theme as varchar) as theme,
    cast(volet as varchar) as volet,
    cast(libelle as varchar) as libelle,
    cast(coalesce(poids, 1) as decimal(9, 4)) as poids,
    cast(enveloppe_regionale as boolean) as enveloppe_regionale
from {{ source('raw', 'ref_theme') }}
