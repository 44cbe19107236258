-- ET × year: the establishment's attachment and description for the year (int_03 rule), and its
-- EJ's name and address from the FINESS legal-entities extract (stg_finess_ej, optional) chosen
-- by the same rule (extract_of_year_rank): the extract of the year, else the latest before, else the
-- earliest after.
with registre as (
    select * from {{ ref('int_03_registre_annuel') }}
),

entites as (
    select * from {{ ref('stg_finess_ej') }}
),

choix_ej as (
    select
        r.finess_ej,
        r.annee,
        e.raison_sociale_longue,
        e.raison_sociale,
        e.numero_voie,
        e.complement_voie,
        e.type_voie,
        e.voie,
        e.complement_distribution,
        e.lieu_dit_bp,
        e.ligne_acheminement,
        e.libelle_statut_juridique,
        e.siren,
        {{ extract_of_year_rank('r.finess_ej, r.annee', 'e.annee', 'r.annee') }} as rang
    from (select distinct finess_ej, annee from registre) as r
    inner join entites as e on e.finess_ej = r.finess_ej
),

ej as (
    select
        finess_ej,
        annee,
        coalesce(raison_sociale_longue, raison_sociale) as raison_sociale_ej,
        nullif(concat_ws(', ',
            nullif(trim(concat_ws(' ', numero_voie || coalesce(complement_voie, ''), type_voie, voie)), ''),
            complement_distribution,
            lieu_dit_bp), '') as adresse_ej,
        ligne_acheminement as ligne_acheminement_ej,
        libelle_statut_juridique as statut_juridique_ej,
        siren as siren_ej
    from choix_ej
    where rang = 1
)

select
    cast(r.finess_geo as varchar) as finess_geo,
    cast(r.finess_ej as varchar) as finess_ej,
    cast(r.annee as integer) as annee,
    cast(r.raison_sociale as varchar) as raison_sociale,
    cast(coalesce(ej.raison_sociale_ej, r.raison_sociale_ej) as varchar) as raison_sociale_ej,
    cast(r.departement as varchar) as departement,
    cast(r.categorie as varchar) as categorie,
    cast(r.libelle_categorie as varchar) as libelle_categorie,
    cast(r.commune_insee as varchar) as commune_insee,
    cast(r.annee_registre as integer) as annee_registre,
    cast(ej.adresse_ej as varchar) as adresse_ej,
    cast(ej.ligne_acheminement_ej as varchar) as ligne_acheminement_ej,
    cast(ej.statut_juridique_ej as varchar) as statut_juridique_ej,
    cast(ej.siren_ej as varchar) as siren_ej
from registre as r
left join ej on ej.finess_ej = r.finess_ej and ej.annee = r.annee
