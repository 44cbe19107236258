-- ET × year × indicator: value, base, evolution of the value and of the spending against the
-- reference year.
select
    cast(v.finess_geo as varchar) as finess_geo,
    cast(r.finess_ej as varchar) as finess_ej,
    cast(v.annee as integer) as annee,
    cast(v.indicateur as varchar) as indicateur,
    cast(v.type_indicateur as varchar) as type_indicateur,
    cast(v.volet as varchar) as volet,
    cast(v.theme as varchar) as theme,
    cast(v.mesure as varchar) as mesure,
    cast(v.sens as varchar) as sens,
    cast(v.valeur as decimal(18, 6)) as valeur,
    cast(v.montant as decimal(18, 2)) as montant,
    cast(v.base as decimal(18, 2)) as base,
    cast(v.valeur_reference as decimal(18, 6)) as valeur_reference,
    cast(v.montant_reference as decimal(18, 2)) as montant_reference,
    cast(v.taux_evolution as decimal(18, 6)) as taux_evolution,
    cast(v.annee_reference as integer) as annee_reference,
    cast(v.volume as bigint) as volume,
    cast(v.source_valeur as varchar) as source_valeur,
    cast(v.campagne as varchar) as campagne,
    cast(v.taux_evolution_depenses as decimal(18, 6)) as taux_evolution_depenses
from {{ ref('int_05_evolution') }} as v
left join {{ ref('int_03_registre_annuel') }} as r
    on r.finess_geo = v.finess_geo and r.annee = v.annee
