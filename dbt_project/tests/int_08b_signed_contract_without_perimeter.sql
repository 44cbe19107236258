{{ config(severity='warn') }}
-- docs/rules.md §4: a signed contract in force carries the ETs × indicators targeted at its
-- proposal (or added by avenant). A contract in force with an empty perimeter usually means a
-- proposal dated in a year whose targeting (on the year before) selects none of the EJ's ETs
-- for that volet: reported as a warning, nothing is evaluated for it.
select k.finess_ej, k.annee, k.volet, k.date_proposition
from {{ ref('int_08_contractualisation') }} as k
where k.en_vigueur
  and not exists (
      select 1
      from {{ ref('int_08b_perimetre') }} as p
      where p.finess_ej = k.finess_ej and p.annee = k.annee and p.volet = k.volet
  )
