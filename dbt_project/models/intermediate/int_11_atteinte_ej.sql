{#
  EJ attainment per indicator and year: mean of its ETs' evaluable attainments, over the rows
  under contract only (equal weights; 10 decimals, half-up). Not evaluable when none of its ETs
  is evaluable.
#}
select
    finess_ej,
    annee,
    campagne,
    volet,
    theme,
    indicateur,
    cast(count(*) as integer) as nb_et,
    cast(count(atteinte) as integer) as nb_et_evaluables,
    cast({{ caqes.div_round('sum(atteinte)', 'count(atteinte)', 10, 6) }} as decimal(18, 10)) as atteinte,
    count(atteinte) > 0 as evaluable
from {{ ref('int_10_evaluation') }}
where sous_contrat and finess_ej is not null
group by finess_ej, annee, campagne, volet, theme, indicateur
