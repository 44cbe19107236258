select
    cast(finess_ej as varchar) as finess_ej,
    cast(annee as integer) as annee,
    cast(date_reception as date) as date_reception,
    cast(suite as varchar) as suite,
    cast(montant_retenu as decimal(18, 2)) as montant_retenu,
    cast(motif as varchar) as motif,
    cast(_file as varchar) as fichier_source
from {{ source('raw', 'observations') }}
