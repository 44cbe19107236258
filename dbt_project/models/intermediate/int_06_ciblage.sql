{#
  Targeting per ET × year N × indicator, on the reference year R = N - décalage (docs/rules.md §4,
  contract template art. 6: "un montant ou un taux d'évolution de dépenses").

  national (type_indicateur = 'national'):
      base >= min_base  AND  (spending growth > max_taux_evolution  OR  valeur > seuil_valeur)
      base = montant (amount) or denominateur (rate/share); spending growth =
      montant(R) / montant(R-1) - 1 for every national indicator, rate/share included (the value
      test keeps the indicator's own measure); not computable when montant(R-1) is missing or 0
      (then only the value test applies); a threshold absent from the référentiel skips its test
      (an absent min_base passes).
  regional, regle_ciblage = 'seuil': valeur > seuil_valeur (lower_is_better),
      valeur < seuil_valeur (higher_is_better).
  regional, regle_ciblage = 'liste': the ET is in ref_ciblage_liste for the indicator.
  For a higher_is_better national indicator every inequality is mirrored.
  Candidates: every ET × indicator with a value in R, plus listed ETs for the campaign's
  evaluation years. `motif` states the values, thresholds and rule in words.
  This is yearly targeting: information on who would be targeted for N. The contract's
  perimeter is fixed by the targeting at its proposal (int_08b_perimetre) and never changed here.
#}
with annees as (
    select * from {{ ref('int_01_annees_campagne') }}
),

catalogue as (
    select * from {{ ref('int_02_catalogue_indicateurs') }}
    where type_indicateur in ('national', 'regional')
),

valeurs as (
    select * from {{ ref('int_05_evolution') }}
),

liste as (
    select * from {{ ref('stg_ref_ciblage_liste') }}
),

candidats as (
    select a.annee, a.campagne, a.annee_reference, v.finess_geo, v.indicateur
    from valeurs as v
    inner join annees as a on a.annee_reference = v.annee
    union
    select a.annee, a.campagne, a.annee_reference, l.finess_geo, l.indicateur
    from liste as l
    inner join annees as a on a.campagne = l.campagne and a.annee_evaluation
),

enrichis as (
    select
        k.finess_geo,
        k.annee,
        k.indicateur,
        k.campagne,
        k.annee_reference,
        c.type_indicateur,
        c.volet,
        c.theme,
        c.mesure,
        c.sens,
        c.regle_ciblage,
        c.min_base,
        c.max_taux_evolution,
        c.seuil_valeur,
        c.objectif_taux_evolution,
        c.objectif_valeur,
        v.valeur as valeur_ciblage,
        v.base as base_ciblage,
        v.montant as montant_ciblage,
        case
            when c.type_indicateur = 'national' then v.taux_evolution_depenses
            else v.taux_evolution
        end as taux_evolution_ciblage,
        l.finess_geo is not null as dans_liste
    from candidats as k
    inner join catalogue as c on c.campagne = k.campagne and c.indicateur = k.indicateur
    left join valeurs as v
        on v.finess_geo = k.finess_geo and v.indicateur = k.indicateur and v.annee = k.annee_reference
    left join liste as l
        on l.campagne = k.campagne and l.indicateur = k.indicateur and l.finess_geo = k.finess_geo
),

tests as (
    select
        *,
        case
            when min_base is null then true
            when base_ciblage is null then false
            else base_ciblage >= min_base
        end as test_base,
        case
            when max_taux_evolution is null or taux_evolution_ciblage is null then false
            when sens = 'higher_is_better' then taux_evolution_ciblage < max_taux_evolution
            else taux_evolution_ciblage > max_taux_evolution
        end as test_evolution,
        case
            when seuil_valeur is null or valeur_ciblage is null then false
            when sens = 'higher_is_better' then valeur_ciblage < seuil_valeur
            else valeur_ciblage > seuil_valeur
        end as test_valeur
    from enrichis
),

decisions as (
    select
        *,
        case
            when type_indicateur = 'national' then test_base and (test_evolution or test_valeur)
            when regle_ciblage = 'seuil' then test_valeur
            when regle_ciblage = 'liste' then dans_liste
            else false
        end as cible
    from tests
),

libelles as (
    select
        *,
        case
            when min_base is null then 'base minimale non prévue'
            when base_ciblage is null then 'base absente (minimum ' || {{ caqes.fmt_decimal('min_base', 2) }} || ')'
            when test_base then 'base ' || {{ caqes.fmt_decimal('base_ciblage', 2) }} || ' >= minimum ' || {{ caqes.fmt_decimal('min_base', 2) }}
            else 'base ' || {{ caqes.fmt_decimal('base_ciblage', 2) }} || ' < minimum ' || {{ caqes.fmt_decimal('min_base', 2) }}
        end as texte_base,
        case
            when max_taux_evolution is null then 'test d''évolution des dépenses non prévu'
            when taux_evolution_ciblage is null then
                'évolution des dépenses non calculable (montant ' || cast(annee_reference - 1 as varchar) || ' absent ou nul)'
            else 'évolution des dépenses de ' || cast(annee_reference - 1 as varchar) || ' à ' || cast(annee_reference as varchar)
                || ' : '
                || {{ texte_seuil('taux_evolution_ciblage', 'max_taux_evolution', 'sens', 'test_evolution') }}
        end as texte_evolution,
        case
            when seuil_valeur is null then 'test de valeur non prévu'
            when valeur_ciblage is null then 'valeur ' || cast(annee_reference as varchar) || ' absente'
            else 'valeur ' || {{ texte_seuil('valeur_ciblage', 'seuil_valeur', 'sens', 'test_valeur') }}
        end as texte_valeur
    from decisions
)

select
    finess_geo,
    cast(annee as integer) as annee,
    indicateur,
    campagne,
    type_indicateur,
    volet,
    theme,
    mesure,
    sens,
    regle_ciblage,
    cast(annee_reference as integer) as annee_reference,
    valeur_ciblage,
    base_ciblage,
    montant_ciblage,
    taux_evolution_ciblage,
    min_base,
    max_taux_evolution,
    seuil_valeur,
    objectif_taux_evolution,
    objectif_valeur,
    dans_liste,
    test_base,
    test_evolution,
    test_valeur,
    cible,
    cast(
        case
            when type_indicateur = 'national' then
                indicateur || ', règle nationale, année de référence ' || cast(annee_reference as varchar) || ' : '
                || texte_base || ' ; ' || texte_evolution || ' ; ' || texte_valeur
            when regle_ciblage = 'seuil' then
                indicateur || ', règle régionale par seuil ('
                || case when sens = 'higher_is_better' then 'plus haut est meilleur' else 'plus bas est meilleur' end
                || '), année de référence ' || cast(annee_reference as varchar) || ' : ' || texte_valeur
            when regle_ciblage = 'liste' then
                indicateur || ', règle régionale par liste : FINESS ' || finess_geo
                || case when dans_liste then ' inscrit sur la liste' else ' absent de la liste' end
            else indicateur || ', règle de ciblage inconnue : ' || coalesce(regle_ciblage, '(vide)')
        end
        || case when cible then ' => ciblé' else ' => non ciblé' end
    as varchar) as motif
from libelles
