select
    cast(finess_geo as varchar) as finess_geo,
    cast(annee as integer) as annee,
    cast(theme as varchar) as theme,
    cast(engagement_id as varchar) as engagement_id,
    cast(libelle as varchar) as libelle,
    cast(realise as boolean) as realise,
    cast(_file as varchar) as fichier_source
from {{ source('raw', 'engagements') }}
