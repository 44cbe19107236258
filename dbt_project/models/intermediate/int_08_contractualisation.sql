{#
  Contract status per EJ × year × volet: the proposed volets of the year and every volet the EJ
  has a contract line for (over the campaign's evaluation years).
  en_vigueur: statut = 'signe' and date_effet <= 31 December N <= date_fin (no date_fin: open).
#}
with proposes as (
    select * from {{ ref('int_07_volets_proposes') }}
),

contrats as (
    select * from {{ ref('stg_contrats') }}
),

grille as (
    select finess_ej, annee, volet from proposes
    union
    select c.finess_ej, a.annee, c.volet
    from contrats as c
    cross join (select annee from {{ ref('int_01_annees_campagne') }} where annee_evaluation) as a
)

select
    g.finess_ej,
    cast(g.annee as integer) as annee,
    g.volet,
    p.finess_ej is not null as propose,
    cast(coalesce(c.statut, 'absent') as varchar) as statut,
    coalesce(
        c.statut = 'signe'
        and c.date_effet is not null
        and c.date_effet <= {{ caqes.year_end('g.annee') }}
        and (c.date_fin is null or {{ caqes.year_end('g.annee') }} <= c.date_fin),
        false
    ) as en_vigueur,
    c.date_signature,
    c.date_effet,
    c.date_fin
from grille as g
left join proposes as p
    on p.finess_ej = g.finess_ej and p.annee = g.annee and p.volet = g.volet
left join contrats as c
    on c.finess_ej = g.finess_ej and c.volet = g.volet
