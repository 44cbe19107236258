-- One row per register year × ET (the latest extract of the year wins when a year has several).
with extraits as (
    select
        *,
        row_number() over (partition by annee, finess_geo order by extract_date desc, _file desc) as rang
    from {{ source('raw', 'finess') }}
)
select
    cast(annee as integer) as annee,
    cast(extract_date as date) as date_extraction,
    cast(finess_geo as varchar) as finess_geo,
    cast(finess_ej as varchar) as finess_ej,
    cast(raison_sociale as varchar) as raison_sociale,
    cast(raison_sociale_longue as varchar) as raison_sociale_longue,
    cast(commune as varchar) as commune,
    cast({{ commune_insee('departement', 'commune') }} as varchar) as commune_insee,
    cast(departement as varchar) as departement,
    cast(libelle_departement as varchar) as libelle_departement,
    cast(categorie as varchar) as categorie,
    cast(libelle_categorie as varchar) as libelle_categorie,
    cast(categorie_agregee as varchar) as categorie_agregee,
    cast(libelle_categorie_agregee as varchar) as libelle_categorie_agregee,
    cast(_file as varchar) as fichier_source
from extraits
where rang = 1
