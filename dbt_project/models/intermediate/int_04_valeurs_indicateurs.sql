{#
  Indicator values per ET × year × indicator (national from PHEV, regional from `regional`).
  value = montant for an `amount` indicator, numerateur / denominateur for `rate` / `share`
  (6 decimals, half-up); base = montant, resp. denominateur.
  The two PHEV feeds combine per ET × year × indicator: the aggregated `phev` row when there is
  one, else the sum of the `phev_lines` lines (which carry amounts and volumes only, so a
  rate/share indicator measured from lines alone has a montant but no value).
  Regional: `valeur` as delivered, else numerateur / denominateur.
#}
with annees as (
    select * from {{ ref('int_01_annees_campagne') }}
),

catalogue as (
    select * from {{ ref('int_02_catalogue_indicateurs') }}
),

phev as (
    select finess_geo, annee, indicateur, montant, volume, numerateur, denominateur,
        cast('phev' as varchar) as source_valeur
    from {{ ref('stg_phev') }}
),

lignes as (
    select
        l.finess_geo,
        l.annee,
        l.indicateur,
        cast(sum(l.montant) as decimal(18, 2)) as montant,
        cast(sum(l.volume) as bigint) as volume,
        cast(null as decimal(18, 2)) as numerateur,
        cast(null as decimal(18, 2)) as denominateur,
        cast('phev_lines' as varchar) as source_valeur
    from {{ ref('stg_phev_lines') }} as l
    where not exists (
        select 1 from phev as p
        where p.finess_geo = l.finess_geo and p.annee = l.annee and p.indicateur = l.indicateur
    )
    group by l.finess_geo, l.annee, l.indicateur
),

nationaux as (
    select * from phev
    union all
    select * from lignes
),

valeurs_nationales as (
    select
        n.finess_geo,
        n.annee,
        n.indicateur,
        n.source_valeur,
        n.montant,
        n.volume,
        n.numerateur,
        n.denominateur,
        case
            when c.mesure = 'amount' then cast(n.montant as decimal(18, 6))
            else cast({{ caqes.div_round('n.numerateur', 'n.denominateur', 6, 2) }} as decimal(18, 6))
        end as valeur,
        case when c.mesure = 'amount' then n.montant else n.denominateur end as base
    from nationaux as n
    inner join annees as a on a.annee = n.annee
    inner join catalogue as c on c.campagne = a.campagne and c.indicateur = n.indicateur
),

valeurs_regionales as (
    select
        r.finess_geo,
        r.annee,
        r.indicateur,
        cast('regional' as varchar) as source_valeur,
        cast(null as decimal(18, 2)) as montant,
        cast(null as bigint) as volume,
        r.numerateur,
        r.denominateur,
        coalesce(r.valeur, cast({{ caqes.div_round('r.numerateur', 'r.denominateur', 6, 2) }} as decimal(18, 6))) as valeur,
        case
            when c.mesure = 'amount' then cast(r.valeur as decimal(18, 2))
            else r.denominateur
        end as base
    from {{ ref('stg_regional') }} as r
    inner join annees as a on a.annee = r.annee
    inner join catalogue as c on c.campagne = a.campagne and c.indicateur = r.indicateur
),

valeurs as (
    select * from valeurs_nationales
    union all
    select * from valeurs_regionales
)

select
    v.finess_geo,
    cast(v.annee as integer) as annee,
    v.indicateur,
    a.campagne,
    a.decalage_reference,
    c.type_indicateur,
    c.volet,
    c.theme,
    c.mesure,
    c.sens,
    v.source_valeur,
    cast(v.valeur as decimal(18, 6)) as valeur,
    cast(v.montant as decimal(18, 2)) as montant,
    cast(v.base as decimal(18, 2)) as base,
    cast(v.volume as bigint) as volume,
    cast(v.numerateur as decimal(18, 2)) as numerateur,
    cast(v.denominateur as decimal(18, 2)) as denominateur
from valeurs as v
inner join annees as a on a.annee = v.annee
inner join catalogue as c on c.campagne = a.campagne and c.indicateur = v.indicateur
