{#
  Evolution per ET × year × indicator against the reference year (year - décalage, N-1 by
  default), docs/rules.md §4:
  - taux_evolution = valeur / valeur_reference - 1, the evolution of the indicator's own measure;
  - taux_evolution_depenses = montant / montant_reference - 1, the growth of the spending the
    indicator measures (national indicators, rate/share included: the targeting growth test).
  Both 6 decimals, half-up; NULL when the earlier figure is missing or 0, or the figure itself
  is missing.
#}
with valeurs as (
    select * from {{ ref('int_04_valeurs_indicateurs') }}
)

select
    v.finess_geo,
    v.annee,
    v.indicateur,
    v.campagne,
    v.type_indicateur,
    v.volet,
    v.theme,
    v.mesure,
    v.sens,
    v.source_valeur,
    v.valeur,
    v.montant,
    v.base,
    v.volume,
    cast(v.annee - v.decalage_reference as integer) as annee_reference,
    p.valeur as valeur_reference,
    p.montant as montant_reference,
    p.base as base_reference,
    cast(
        case
            when v.valeur is null or p.valeur is null or p.valeur = 0 then null
            else {{ caqes.div_round('v.valeur', 'p.valeur', 6, 6) }} - 1
        end
    as decimal(18, 6)) as taux_evolution,
    cast(
        case
            when v.montant is null or p.montant is null or p.montant = 0 then null
            else {{ caqes.div_round('v.montant', 'p.montant', 6, 2) }} - 1
        end
    as decimal(18, 6)) as taux_evolution_depenses
from valeurs as v
left join valeurs as p
    on p.finess_geo = v.finess_geo
    and p.indicateur = v.indicateur
    and p.annee = v.annee - v.decalage_reference
