{#
  Evaluation rows of year N (docs/rules.md §5, L162-30-4): the perimeter rows of int_09 and one
  action-plan row per ET × theme with engagements (PLAN_<theme>: valeur = share of items
  realised, atteinte = valeur / the référentiel's plan_actions.objectif, at most 1).
  sous_contrat: for a perimeter row, the EJ's contract for the volet is in force on 31 December
  N. An action plan of theme θ counts only when the ET has a perimeter row in force in N on an
  indicator of θ under a contract in force (its finess_ej is then that contract's EJ); otherwise
  it is published, not scored, and never makes its EJ "concerned" by the theme's envelope.
  motif_hors_contrat says why a row is not under contract (NULL exactly when it is).
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
        e.theme,
        cast('PLAN_' || e.theme as varchar) as indicateur,
        cast(count(*) as integer) as nb_engagements,
        cast(sum(case when e.realise then 1 else 0 end) as integer) as nb_realises
    from {{ ref('stg_engagements') }} as e
    group by e.finess_geo, e.annee, e.theme
),

-- ET × year × theme: the perimeter row the plan relies on (one in force first)
themes_perimetre as (
    select
        finess_geo,
        annee,
        theme,
        finess_ej,
        en_vigueur,
        motif_contrat,
        row_number() over (
            partition by finess_geo, annee, theme
            order by case when en_vigueur then 0 else 1 end, finess_ej, indicateur
        ) as rang
    from indicateurs
),

lignes_plans as (
    select
        p.finess_geo,
        coalesce(t.finess_ej, r.finess_ej) as finess_ej,
        p.annee,
        p.indicateur,
        a.campagne,
        c.type_indicateur,
        c.volet,
        c.theme,
        c.mesure,
        c.sens,
        a.annee_reference,
        coalesce(t.en_vigueur, false) as sous_contrat,
        cast({{ caqes.div_round('p.nb_realises', 'p.nb_engagements', 6, 0) }} as decimal(18, 6)) as valeur,
        cast(null as decimal(18, 6)) as valeur_reference,
        c.objectif_valeur as objectif,
        cast(null as decimal(18, 2)) as montant,
        cast(null as decimal(18, 2)) as montant_reference,
        cast(least(1, {{ caqes.div_round('p.nb_realises', 'p.nb_engagements * c.objectif_valeur', 6, 6) }})
            as decimal(18, 6)) as atteinte,
        true as evaluable,
        cast(null as varchar) as motif_non_evaluable,
        p.nb_engagements,
        p.nb_realises,
        cast(null as varchar) as origine_perimetre,
        cast(null as date) as debut_periode,
        cast(null as varchar) as methode_periode,
        cast(null as decimal(18, 2)) as montant_periode,
        cast(null as decimal(18, 2)) as montant_periode_reference,
        cast(
            case
                when t.en_vigueur then null
                when t.finess_geo is null then
                    'aucun indicateur du thème ' || p.theme || ' au périmètre contractuel de l''ET en '
                    || cast(p.annee as varchar) || ' : engagements rapportés, non évalués'
                else t.motif_contrat || ' : engagements rapportés, non évalués'
            end
        as varchar) as motif_hors_contrat
    from plans as p
    inner join annees as a on a.annee = p.annee
    inner join {{ ref('int_02_catalogue_indicateurs') }} as c
        on c.campagne = a.campagne and c.indicateur = p.indicateur
    left join themes_perimetre as t
        on t.finess_geo = p.finess_geo and t.annee = p.annee and t.theme = p.theme and t.rang = 1
    left join {{ ref('int_03_registre_annuel') }} as r
        on r.finess_geo = p.finess_geo and r.annee = p.annee
),

lignes_indicateurs as (
    select
        finess_geo,
        finess_ej,
        annee,
        indicateur,
        campagne,
        type_indicateur,
        volet,
        theme,
        mesure,
        sens,
        annee_reference,
        en_vigueur as sous_contrat,
        valeur,
        valeur_reference,
        objectif,
        montant,
        montant_reference,
        atteinte,
        evaluable,
        motif_non_evaluable,
        cast(null as integer) as nb_engagements,
        cast(null as integer) as nb_realises,
        origine_perimetre,
        debut_periode,
        methode_periode,
        montant_periode,
        montant_periode_reference,
        motif_contrat as motif_hors_contrat
    from indicateurs
),

lignes as (
    select * from lignes_indicateurs
    union all
    select * from lignes_plans
)

select
    finess_geo,
    finess_ej,
    cast(annee as integer) as annee,
    indicateur,
    campagne,
    type_indicateur,
    volet,
    theme,
    mesure,
    sens,
    cast(annee_reference as integer) as annee_reference,
    sous_contrat,
    valeur,
    valeur_reference,
    objectif,
    montant,
    montant_reference,
    atteinte,
    evaluable,
    motif_non_evaluable,
    nb_engagements,
    nb_realises,
    origine_perimetre,
    debut_periode,
    methode_periode,
    montant_periode,
    montant_periode_reference,
    cast(motif_hors_contrat as varchar) as motif_hors_contrat
from lignes
