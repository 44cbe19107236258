-- docs/rules.md §4: a contract is in force for year N only when statut = signe and
-- date_effet <= 31 December N <= date_fin (no date_fin: open-ended), and not after the
-- 31 December that ends a résiliated volet (template art. 11).
select finess_ej, annee, volet, statut, date_effet, date_fin, date_resiliation
from {{ ref('int_08_contractualisation') }}
where en_vigueur
  and (
      statut <> 'signe'
      or date_effet is null
      or date_effet > {{ caqes.year_end('annee') }}
      or date_fin < {{ caqes.year_end('annee') }}
      or date_resiliation < {{ caqes.year_end('annee') }}
  )
