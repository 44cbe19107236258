-- One row per register year × EJ of the FINESS legal-entities extract (optional source: empty
-- when no extract was delivered). The latest extract of a year wins when a year has several.
with extraits as (
    select
        *,
        row_number() over (partition by annee, finess_ej order by extract_date desc, _file desc) as rang
    from {{ source('raw', 'finess_ej') }}
)
select
    cast(annee as integer) as annee,
    cast(extract_date as date) as date_extraction,
    cast(finess_ej as varchar) as finess_ej,
    cast(raison_sociale as varchar) as raison_sociale,
    cast(raison_sociale_longue as varchar) as raison_sociale_longue,
    cast(complement_raison_sociale as varchar) as complement_raison_sociale,
    cast(complement_distribution as varchar) as complement_distribution,
    cast(numero_voie as varchar) as numero_voie,
    cast(type_voie as varchar) as type_voie,
    cast(voie as varchar) as voie,
    cast(complement_voie as varchar) as complement_voie,
    cast(lieu_dit_bp as varchar) as lieu_dit_bp,
    cast(commune as varchar) as commune,
    cast({{ commune_insee('departement', 'commune') }} as varchar) as commune_insee,
    cast(departement as varchar) as departement,
    cast(ligne_acheminement as varchar) as ligne_acheminement,
    cast(statut_juridique as varchar) as statut_juridique,
    cast(libelle_statut_juridique as varchar) as libelle_statut_juridique,
    cast(siren as varchar) as siren,
    cast(_file as varchar) as fichier_source
from extraits
where rang = 1
