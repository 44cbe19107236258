{#
  Contracted perimeter in force per EJ × volet × ET × indicator × year N (docs/rules.md §4;
  contract template art. 3, 6, 10, 11; D162-14 II).

  Contract of year N: the line that applies in N (int_08: latest proposal with year <= N), when
  it is signed, for the years from its effect (date_effet, else signature, else proposal) to its
  end (date_fin) and not after a résiliation (31 December of the avenant's year).
  At signature: the ET × indicator pairs of the contract's volet targeted "for year P" (int_06
  with annee = P = year of the proposal, i.e. on the calendar year before the proposal), for the
  ETs attached to the EJ in the register of year P (int_03). Yearly targeting of later years
  never changes it.
  Avenants (stg_avenants, ajout / retrait) of the EJ × volet signed on or after the proposal
  take effect on 1 January of the year after their signature: for year N the latest avenant
  with year(date_signature) + 1 <= N decides (a retrait wins over an ajout signed the same day);
  without one, the pair is in force when it was in the perimeter at signature.
  origine: 'signature' when the pair comes from the signature and no retrait has taken effect;
  otherwise 'avenant' (date_avenant = the ajout that brought it back or in).
#}
with contrats as (
    select *
    from {{ ref('int_08_contractualisation') }}
    where statut = 'signe'
      and annee >= {{ caqes.year_of('coalesce(date_effet, date_signature, date_proposition)') }}
      and (date_fin is null or annee <= {{ caqes.year_of('date_fin') }})
      and (date_resiliation is null or annee <= {{ caqes.year_of('date_resiliation') }})
),

signature as (
    select distinct
        p.finess_ej,
        p.volet,
        p.date_proposition,
        p.date_proposition_fournie,
        c.finess_geo,
        c.indicateur,
        c.annee_reference
    from {{ ref('int_08a_propositions') }} as p
    inner join {{ ref('int_03_registre_annuel') }} as r
        on r.finess_ej = p.finess_ej and r.annee = p.annee_proposition
    inner join {{ ref('int_06_ciblage') }} as c
        on c.finess_geo = r.finess_geo
        and c.annee = p.annee_proposition
        and c.volet = p.volet
        and c.cible
    where p.statut = 'signe'
),

avenants as (
    select *
    from {{ ref('stg_avenants') }}
    where action in ('ajout', 'retrait')
      and finess_geo is not null
      and indicateur is not null
),

-- avenants of the contract that have taken effect in year N
avenants_effectifs as (
    select
        k.finess_ej,
        k.volet,
        k.annee,
        v.finess_geo,
        v.indicateur,
        v.action,
        v.date_signature,
        v.motif
    from contrats as k
    inner join avenants as v
        on v.finess_ej = k.finess_ej
        and v.volet = k.volet
        and v.date_signature >= k.date_proposition
        and {{ caqes.year_of('v.date_signature') }} + 1 <= k.annee
),

paires as (
    select k.finess_ej, k.volet, k.annee, s.finess_geo, s.indicateur
    from contrats as k
    inner join signature as s
        on s.finess_ej = k.finess_ej
        and s.volet = k.volet
        and s.date_proposition = k.date_proposition
        and s.date_proposition_fournie = k.date_proposition_fournie
    union
    select finess_ej, volet, annee, finess_geo, indicateur
    from avenants_effectifs
),

derniers as (
    select
        *,
        row_number() over (
            partition by finess_ej, volet, annee, finess_geo, indicateur
            order by date_signature desc, action desc
        ) as rang
    from avenants_effectifs
),

retraits as (
    select distinct finess_ej, volet, annee, finess_geo, indicateur
    from avenants_effectifs
    where action = 'retrait'
),

etats as (
    select
        p.finess_ej,
        p.volet,
        p.annee,
        p.finess_geo,
        p.indicateur,
        k.campagne,
        k.date_proposition,
        k.date_proposition_fournie,
        s.annee_reference as annee_reference_signature,
        d.action as derniere_action,
        d.date_signature as date_derniere_action,
        d.motif as motif_derniere_action,
        s.finess_geo is not null as a_la_signature,
        x.finess_geo is not null as retrait_effectif
    from paires as p
    inner join contrats as k
        on k.finess_ej = p.finess_ej and k.volet = p.volet and k.annee = p.annee
    left join signature as s
        on s.finess_ej = p.finess_ej
        and s.volet = p.volet
        and s.date_proposition = k.date_proposition
        and s.date_proposition_fournie = k.date_proposition_fournie
        and s.finess_geo = p.finess_geo
        and s.indicateur = p.indicateur
    left join derniers as d
        on d.finess_ej = p.finess_ej
        and d.volet = p.volet
        and d.annee = p.annee
        and d.finess_geo = p.finess_geo
        and d.indicateur = p.indicateur
        and d.rang = 1
    left join retraits as x
        on x.finess_ej = p.finess_ej
        and x.volet = p.volet
        and x.annee = p.annee
        and x.finess_geo = p.finess_geo
        and x.indicateur = p.indicateur
),

en_vigueur as (
    select
        *,
        case
            when a_la_signature and not retrait_effectif then 'signature'
            else 'avenant'
        end as origine
    from etats
    where coalesce(derniere_action = 'ajout', a_la_signature)
)

select
    e.finess_ej,
    e.volet,
    e.finess_geo,
    e.indicateur,
    cast(e.annee as integer) as annee,
    c.type_indicateur,
    c.theme,
    cast(e.origine as varchar) as origine,
    cast(e.date_proposition as date) as date_proposition,
    cast(case when e.origine = 'signature' then e.annee_reference_signature end as integer) as annee_reference_ciblage,
    cast(case when e.origine = 'avenant' then e.date_derniere_action end as date) as date_avenant,
    cast(
        case
            when e.origine = 'signature' then
                'ciblé sur ' || cast(e.annee_reference_signature as varchar)
                || ' à la proposition du ' || {{ caqes.fmt_date_fr('e.date_proposition') }}
                || case
                    when e.date_proposition_fournie then ''
                    else ' (date de proposition non fournie : début de la campagne)'
                end
            else
                'avenant d''ajout signé le ' || {{ caqes.fmt_date_fr('e.date_derniere_action') }}
                || ', effet au ' || {{ caqes.fmt_date_fr(caqes.year_start(caqes.year_of('e.date_derniere_action') ~ ' + 1')) }}
                || case
                    when e.motif_derniere_action is null or trim(e.motif_derniere_action) = '' then ''
                    else ' (' || e.motif_derniere_action || ')'
                end
        end
    as varchar) as motif_origine,
    a.campagne,
    e.date_proposition_fournie
from en_vigueur as e
inner join {{ ref('int_01_annees_campagne') }} as a
    on a.annee = e.annee
inner join {{ ref('int_02_catalogue_indicateurs') }} as c
    on c.campagne = a.campagne
    and c.indicateur = e.indicateur
    and c.type_indicateur in ('national', 'regional')
