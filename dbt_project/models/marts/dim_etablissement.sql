-- ET × year: the establishment's attachment and description for the year (int_03 rule).
select
    cast(finess_geo as varchar) as finess_geo,
    cast(finess_ej as varchar) as finess_ej,
    cast(annee as integer) as annee,
    cast(raison_sociale as varchar) as raison_sociale,
    cast(raison_sociale_ej as varchar) as raison_sociale_ej,
    cast(departement as varchar) as departement,
    cast(categorie as varchar) as categorie,
    cast(libelle_categorie as varchar) as libelle_categorie,
    cast(commune as varchar) as commune,
    cast(annee_registre as integer) as annee_registre
from {{ ref('int_03_registre_annuel') }}
