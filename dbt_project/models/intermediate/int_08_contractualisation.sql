{#
  Contract status per EJ × year × volet (docs/rules.md §4 and §7): the proposed volets of the
  year (int_07) and, for every contract line, the evaluation years from its proposal's year on.

  The line that applies in year N is the latest proposal with annee_proposition <= N
  (int_08a_propositions: proposal dated by the campaign's start when the file has no date).
  en_vigueur: statut = 'signe' and date_effet <= 31 December N <= date_fin (no date_fin: open)
  and not after a résiliation (date_resiliation = 31 December of the avenant's year, template
  art. 11). No line applies yet: statut 'absent'.
  refus_a_sanctionner: a proposal of this EJ × volet dated in N was refused. A refusal is
  sanctioned once, in its proposal's year (L162-30-2); a later year is sanctioned again only for
  a new, dated, refused proposal. It is the applicable line's status (statut = 'refus') except
  when a refused proposal and a later proposal fall in the same year.
#}
with proposes as (
    select * from {{ ref('int_07_volets_proposes') }}
),

propositions as (
    select * from {{ ref('int_08a_propositions') }}
),

grille as (
    select finess_ej, annee, volet from proposes
    union
    select p.finess_ej, a.annee, p.volet
    from propositions as p
    inner join {{ ref('int_01_annees_campagne') }} as a
        on a.annee_evaluation and a.annee >= p.annee_proposition
),

applicables as (
    select
        g.finess_ej,
        g.annee,
        g.volet,
        p.statut,
        p.campagne,
        p.date_proposition,
        p.date_proposition_fournie,
        p.annee_proposition,
        p.annee_reference_ciblage,
        p.date_signature,
        p.date_effet,
        p.date_fin,
        p.date_resiliation,
        row_number() over (
            partition by g.finess_ej, g.annee, g.volet
            order by p.date_proposition desc nulls last, p.date_proposition_fournie desc
        ) as rang
    from grille as g
    left join propositions as p
        on p.finess_ej = g.finess_ej
        and p.volet = g.volet
        and p.annee_proposition <= g.annee
),

refus as (
    select distinct finess_ej, volet, annee_proposition as annee
    from propositions
    where statut = 'refus'
)

select
    a.finess_ej,
    cast(a.annee as integer) as annee,
    a.volet,
    p.finess_ej is not null as propose,
    cast(coalesce(a.statut, 'absent') as varchar) as statut,
    coalesce(
        a.statut = 'signe'
        and a.date_effet is not null
        and a.date_effet <= {{ caqes.year_end('a.annee') }}
        and (a.date_fin is null or {{ caqes.year_end('a.annee') }} <= a.date_fin)
        and (a.date_resiliation is null or {{ caqes.year_end('a.annee') }} <= a.date_resiliation),
        false
    ) as en_vigueur,
    a.date_signature,
    a.date_effet,
    a.date_fin,
    cast(a.date_proposition as date) as date_proposition,
    coalesce(a.date_proposition_fournie, false) as date_proposition_fournie,
    r.finess_ej is not null as refus_a_sanctionner,
    cast(a.date_resiliation as date) as date_resiliation,
    a.campagne,
    cast(a.annee_proposition as integer) as annee_proposition,
    cast(a.annee_reference_ciblage as integer) as annee_reference_ciblage
from applicables as a
left join proposes as p
    on p.finess_ej = a.finess_ej and p.annee = a.annee and p.volet = a.volet
left join refus as r
    on r.finess_ej = a.finess_ej and r.annee = a.annee and r.volet = a.volet
where a.rang = 1
