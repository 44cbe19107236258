-- rules §4-§5: an ET × indicator row is evaluated under contract only when the ET is targeted on
-- it in year N (an action plan: on an indicator of the plan's volet) and its EJ's contract for
-- that volet is in force on 31 December N.
select e.finess_geo, e.finess_ej, e.annee, e.indicateur, e.volet
from {{ ref('int_10_evaluation') }} as e
where e.sous_contrat
  and (
      not exists (
          select 1
          from {{ ref('int_06_ciblage') }} as c
          where c.cible
            and c.finess_geo = e.finess_geo
            and c.annee = e.annee
            and c.volet = e.volet
            and (e.type_indicateur = 'plan_action' or c.indicateur = e.indicateur)
      )
      or not exists (
          select 1
          from {{ ref('int_08_contractualisation') }} as k
          where k.en_vigueur
            and k.finess_ej = e.finess_ej
            and k.annee = e.annee
            and k.volet = e.volet
      )
  )
