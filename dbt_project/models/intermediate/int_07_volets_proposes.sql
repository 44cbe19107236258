{#
  Volets an EJ must conclude for year N (D162-14 II): every volet on which at least one of its
  ETs (attachment of year N) is targeted, with the reasons.
#}
with cibles as (
    select c.*, r.finess_ej
    from {{ ref('int_06_ciblage') }} as c
    inner join {{ ref('int_03_registre_annuel') }} as r
        on r.finess_geo = c.finess_geo and r.annee = c.annee
    where c.cible
)

select
    finess_ej,
    annee,
    volet,
    cast(count(distinct finess_geo) as integer) as nb_et_cibles,
    cast(count(*) as integer) as nb_indicateurs_cibles,
    cast({{ dbt.listagg("finess_geo || ' ' || motif", "' | '", "order by finess_geo, indicateur") }} as varchar) as motifs
from cibles
group by finess_ej, annee, volet
