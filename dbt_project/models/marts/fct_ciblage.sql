-- ET × year N × indicator: yearly targeting on the reference year, with its reason (information:
-- the candidates for a proposal or an avenant); dans_perimetre = the pair is already in the
-- contracted perimeter in force in N (docs/rules.md §4).
select
    cast(c.finess_geo as varchar) as finess_geo,
    cast(r.finess_ej as varchar) as finess_ej,
    cast(c.annee as integer) as annee,
    cast(c.indicateur as varchar) as indicateur,
    cast(c.type_indicateur as varchar) as type_indicateur,
    cast(c.volet as varchar) as volet,
    cast(c.theme as varchar) as theme,
    cast(c.annee_reference as integer) as annee_reference,
    cast(c.valeur_ciblage as decimal(18, 6)) as valeur_ciblage,
    cast(c.base_ciblage as decimal(18, 2)) as base_ciblage,
    cast(c.taux_evolution_ciblage as decimal(18, 6)) as taux_evolution_ciblage,
    cast(c.min_base as decimal(18, 2)) as min_base,
    cast(c.max_taux_evolution as decimal(18, 6)) as max_taux_evolution,
    cast(c.seuil_valeur as decimal(18, 6)) as seuil_valeur,
    cast(c.cible as boolean) as cible,
    cast(c.motif as varchar) as motif,
    cast(c.sens as varchar) as sens,
    cast(c.regle_ciblage as varchar) as regle_ciblage,
    cast(c.campagne as varchar) as campagne,
    cast(p.finess_geo is not null as boolean) as dans_perimetre
from {{ ref('int_06_ciblage') }} as c
left join {{ ref('int_03_registre_annuel') }} as r
    on r.finess_geo = c.finess_geo and r.annee = c.annee
left join (
    select distinct finess_geo, annee, indicateur from {{ ref('int_08b_perimetre') }}
) as p
    on p.finess_geo = c.finess_geo and p.annee = c.annee and p.indicateur = c.indicateur
