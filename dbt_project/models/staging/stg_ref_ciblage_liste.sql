select distinct
    cast(campagne as varchar) as campagne,
    cast(indicateur as varchar) as indicateur,
    cast(finess_geo as varchar) as finess_geo
from {{ source('raw', 'ref_ciblage_liste') }}
