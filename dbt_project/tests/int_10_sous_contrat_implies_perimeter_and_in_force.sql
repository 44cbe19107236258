-- docs/rules.md §4-§5: a row is evaluated under contract only when the ET × indicator is in the
-- contracted perimeter in force in N of its EJ (an action plan of theme θ: an indicator of θ)
-- and that EJ's contract for the volet is in force on 31 December N. Yearly targeting plays no
-- part.
select e.finess_geo, e.finess_ej, e.annee, e.indicateur, e.volet
from {{ ref('int_10_evaluation') }} as e
where e.sous_contrat
  and (
      not exists (
          select 1
          from {{ ref('int_08b_perimetre') }} as p
          where p.finess_geo = e.finess_geo
            and p.finess_ej = e.finess_ej
            and p.annee = e.annee
            and (
                (e.type_indicateur = 'plan_action' and p.theme = e.theme)
                or p.indicateur = e.indicateur
            )
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
