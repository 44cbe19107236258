-- ET × year × indicator (targeted rows and PLAN_<theme> rows): target, attainment, evaluability.
select
    cast(finess_geo as varchar) as finess_geo,
    cast(finess_ej as varchar) as finess_ej,
    cast(annee as integer) as annee,
    cast(indicateur as varchar) as indicateur,
    cast(type_indicateur as varchar) as type_indicateur,
    cast(volet as varchar) as volet,
    cast(theme as varchar) as theme,
    cast(sens as varchar) as sens,
    cast(sous_contrat as boolean) as sous_contrat,
    cast(valeur as decimal(18, 6)) as valeur,
    cast(valeur_reference as decimal(18, 6)) as valeur_reference,
    cast(objectif as decimal(18, 6)) as objectif,
    cast(montant as decimal(18, 2)) as montant,
    cast(montant_reference as decimal(18, 2)) as montant_reference,
    cast(atteinte as decimal(18, 6)) as atteinte,
    cast(evaluable as boolean) as evaluable,
    cast(motif_non_evaluable as varchar) as motif_non_evaluable,
    cast(annee_reference as integer) as annee_reference,
    cast(nb_engagements as integer) as nb_engagements,
    cast(nb_realises as integer) as nb_realises,
    cast(campagne as varchar) as campagne
from {{ ref('int_10_evaluation') }}
