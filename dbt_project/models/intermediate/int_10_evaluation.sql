{#
  Evaluation rows of year N: the targeted ET × indicator rows (int_09) and one action-plan row
  per ET × theme with engagements (PLAN_<theme>, atteinte = share of items realised).
  sous_contrat: the EJ's contract for the volet is in force on 31 December N; for an action
  plan, the ET must also be targeted on an indicator of that volet in N.
#}
with indicateurs as (
    select * from {{ ref('int_09_evaluation_et') }}
),

annees as (
    select * from {{ ref('int_01_annees_campagne') }}
),

plans as (
    select
        e.finess_geo,
        e.annee,
        cast('PLAN_' || e.theme as varchar) as indicateur,
        cast(count(*) as integer) as nb_engagements,
        cast(sum(case when e.realise then 1 else 0 end) as integer) as nb_realises
    from {{ ref('stg_engagements') }} as e
    group by e.finess_geo, e.annee, e.theme
),

lignes_plans as (
    select
        p.finess_geo,
        p.annee,
        p.indicateur,
        a.campagne,
        c.type_indicateur,
        c.volet,
        c.theme,
        c.sens,
        a.annee_reference,
        cast({{ caqes.div_round('p.nb_realises', 'p.nb_engagements', 6, 0) }} as decimal(18, 6)) as valeur,
        cast(null as decimal(18, 6)) as valeur_reference,
        c.objectif_valeur as objectif,
        cast(null as decimal(18, 2)) as montant,
        cast(null as decimal(18, 2)) as montant_reference,
        cast({{ caqes.div_round('p.nb_realises', 'p.nb_engagements', 6, 0) }} as decimal(18, 6)) as atteinte,
        true as evaluable,
        cast(null as varchar) as motif_non_evaluable,
        p.nb_engagements,
        p.nb_realises
    from plans as p
    inner join annees as a on a.annee = p.annee
    inner join {{ ref('int_02_catalogue_indicateurs') }} as c
        on c.campagne = a.campagne and c.indicateur = p.indicateur
),

lignes as (
    select
        finess_geo, annee, indicateur, campagne, type_indicateur, volet, theme, sens, annee_reference,
        valeur, valeur_reference, objectif, montant, montant_reference, atteinte, evaluable,
        motif_non_evaluable,
        cast(null as integer) as nb_engagements,
        cast(null as integer) as nb_realises
    from indicateurs
    union all
    select * from lignes_plans
),

contrats as (
    select * from {{ ref('int_08_contractualisation') }}
)

select
    l.finess_geo,
    r.finess_ej,
    cast(l.annee as integer) as annee,
    l.indicateur,
    l.campagne,
    l.type_indicateur,
    l.volet,
    l.theme,
    l.sens,
    cast(l.annee_reference as integer) as annee_reference,
    coalesce(ct.en_vigueur, false)
        and (
            l.type_indicateur <> 'plan_action'
            or exists (
                select 1 from indicateurs as i
                where i.finess_geo = l.finess_geo and i.annee = l.annee and i.volet = l.volet
            )
        ) as sous_contrat,
    l.valeur,
    l.valeur_reference,
    l.objectif,
    l.montant,
    l.montant_reference,
    l.atteinte,
    l.evaluable,
    l.motif_non_evaluable,
    l.nb_engagements,
    l.nb_realises
from lignes as l
left join {{ ref('int_03_registre_annuel') }} as r
    on r.finess_geo = l.finess_geo and r.annee = l.annee
left join contrats as ct
    on ct.finess_ej = r.finess_ej and ct.annee = l.annee and ct.volet = l.volet
