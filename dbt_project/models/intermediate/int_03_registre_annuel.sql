{#
  ET -> EJ attachment per year: for year N, the ET's line in the FINESS extract of year N;
  else in the latest extract before N; else in the earliest extract after N (extract_of_year_rank,
  macros/finess_extract.sql).
  raison_sociale_ej: the name of the EJ's own site line in the chosen extract year, when the
  EJ number is also an ET of the extract (the ET extract carries no EJ name).
#}
with extraits as (
    select * from {{ ref('stg_finess') }}
),

grille as (
    select e.finess_geo, a.annee
    from (select distinct finess_geo from extraits) as e
    cross join {{ ref('int_01_annees_campagne') }} as a
),

choix as (
    select
        g.finess_geo,
        g.annee,
        x.annee as annee_registre,
        x.finess_ej,
        x.raison_sociale,
        x.departement,
        x.categorie,
        x.libelle_categorie,
        x.commune,
        x.commune_insee,
        {{ extract_of_year_rank('g.finess_geo, g.annee', 'x.annee', 'g.annee') }} as rang
    from grille as g
    inner join extraits as x on x.finess_geo = g.finess_geo
)

select
    c.finess_geo,
    c.finess_ej,
    c.annee,
    c.annee_registre,
    c.raison_sociale,
    ej.raison_sociale as raison_sociale_ej,
    c.departement,
    c.categorie,
    c.libelle_categorie,
    c.commune,
    c.commune_insee
from choix as c
left join extraits as ej
    on ej.finess_geo = c.finess_ej and ej.annee = c.annee_registre
where c.rang = 1
