select
    cast(annee as integer) as annee,
    cast(theme as varchar) as theme,
    cast(montant as decimal(18, 2)) as montant,
    cast(_file as varchar) as fichier_source
from {{ source('raw', 'enveloppes') }}
