select
    cast(finess_ej as varchar) as finess_ej,
    cast(annee as integer) as annee,
    cast(coefficient as decimal(9, 6)) as coefficient,
    cast(motif as varchar) as motif,
    cast(_file as varchar) as fichier_source
from {{ source('raw', 'modulations') }}
