select
    cast(finess_ej as varchar) as finess_ej,
    cast(exercice as integer) as exercice,
    cast(produits_am as decimal(18, 2)) as produits_am,
    cast(_file as varchar) as fichier_source
from {{ source('raw', 'produits_am') }}
