select
    cast(campagne as varchar) as campagne,
    cast(volet as varchar) as volet,
    cast(libelle as varchar) as libelle,
    cast(poids as decimal(9, 4)) as poids
from {{ source('raw', 'ref_volet') }}
