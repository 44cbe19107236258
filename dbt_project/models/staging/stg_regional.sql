select
    cast(finess_geo as varchar) as finess_geo,
    cast(annee as integer) as annee,
    cast(indicateur as varchar) as indicateur,
    cast(valeur as decimal(18, 6)) as valeur,
    cast(numerateur as decimal(18, 2)) as numerateur,
    cast(denominateur as decimal(18, 2)) as denominateur,
    cast(_file as varchar) as fichier_source
from {{ source('raw', 'regional') }}
