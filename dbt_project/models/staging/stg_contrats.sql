select
    cast(finess_ej as varchar) as finess_ej,
    cast(volet as varchar) as volet,
    cast(statut as varchar) as statut,
    cast(date_signature as date) as date_signature,
    cast(date_effet as date) as date_effet,
    cast(date_fin as date) as date_fin,
    cast(_file as varchar) as fichier_source
from {{ source('raw', 'contrats') }}
