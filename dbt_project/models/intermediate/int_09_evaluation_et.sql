{#
  Attainment per targeted ET × year N × indicator (rules §5).
  R = value of the reference year (N - décalage), A = value of N,
  T = objectif_valeur, or R × (1 + objectif_taux_evolution) (6 decimals, half-up).
  lower_is_better:  a = 1 if A <= T; else (R - A) / (R - T) if T < R and A < R; else 0.
  higher_is_better: a = 1 if A >= T; else (A - R) / (T - R) if T > R and A > R; else 0.
  Missing A, R or T: not evaluable, atteinte NULL, with the reason.
#}
with cibles as (
    select * from {{ ref('int_06_ciblage') }}
    where cible
),

base as (
    select
        c.finess_geo,
        c.annee,
        c.indicateur,
        c.campagne,
        c.type_indicateur,
        c.volet,
        c.theme,
        c.sens,
        c.annee_reference,
        a.valeur as valeur,
        c.valeur_ciblage as valeur_reference,
        a.montant as montant,
        c.montant_ciblage as montant_reference,
        cast(
            case
                when c.objectif_valeur is not null then c.objectif_valeur
                when c.objectif_taux_evolution is not null and c.valeur_ciblage is not null
                    then round(c.valeur_ciblage * (1 + c.objectif_taux_evolution), 6)
            end
        as decimal(18, 6)) as objectif
    from cibles as c
    left join {{ ref('int_05_evolution') }} as a
        on a.finess_geo = c.finess_geo and a.indicateur = c.indicateur and a.annee = c.annee
)

select
    finess_geo,
    annee,
    indicateur,
    campagne,
    type_indicateur,
    volet,
    theme,
    sens,
    annee_reference,
    valeur,
    valeur_reference,
    objectif,
    montant,
    montant_reference,
    cast(
        case
            when valeur is null or valeur_reference is null or objectif is null then null
            when sens = 'higher_is_better' then
                case
                    when valeur >= objectif then 1
                    when objectif > valeur_reference and valeur > valeur_reference
                        then {{ caqes.div_round('valeur - valeur_reference', 'objectif - valeur_reference', 6, 6) }}
                    else 0
                end
            else
                case
                    when valeur <= objectif then 1
                    when objectif < valeur_reference and valeur < valeur_reference
                        then {{ caqes.div_round('valeur_reference - valeur', 'valeur_reference - objectif', 6, 6) }}
                    else 0
                end
        end
    as decimal(18, 6)) as atteinte,
    valeur is not null and valeur_reference is not null and objectif is not null as evaluable,
    cast(
        case
            when valeur is null and valeur_reference is null then
                'valeurs ' || cast(annee as varchar) || ' et ' || cast(annee_reference as varchar) || ' absentes'
            when valeur is null then 'valeur ' || cast(annee as varchar) || ' absente'
            when valeur_reference is null then 'valeur de référence ' || cast(annee_reference as varchar) || ' absente'
            when objectif is null then 'objectif non défini dans le référentiel'
        end
    as varchar) as motif_non_evaluable
from base
