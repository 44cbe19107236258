{#
  Contract lines, one per EJ × volet × proposal (docs/rules.md §4 and §7): an EJ can receive
  several proposals of the same volet over a campaign (a refusal, then a new proposal).

  - campagne: the campaign whose dates contain the line's first known date (proposal, else
    effect, else signature); else the next campaign starting after it; else the last one before
    it; a line without any date goes to the earliest campaign.
  - date_proposition: the delivered date, else the campaign's date_debut (files without the
    column stay readable); date_proposition_fournie says which.
  - annee_proposition P = year of date_proposition. The targeting that fixes the perimeter is
    the one "for year P", on the calendar year before the proposal (contract template art. 6):
    annee_reference_ciblage = P - décalage (int_01, N-1 by default).
  - date_resiliation (signed lines only): an avenant de résiliation of the EJ × volet signed on
    or after this proposal and before the next one ends the volet on 31 December of its year
    (template art. 11); the earliest such avenant counts.
#}
with contrats as (
    select * from {{ ref('stg_contrats') }}
),

campagnes as (
    select campagne, min(date_debut) as date_debut, max(date_fin) as date_fin
    from {{ ref('stg_ref_campagne') }}
    group by campagne
),

reperes as (
    select
        c.*,
        coalesce(c.date_proposition, c.date_effet, c.date_signature) as date_repere
    from contrats as c
),

candidats as (
    select
        r.*,
        k.campagne,
        k.date_debut as date_debut_campagne,
        row_number() over (
            partition by r.finess_ej, r.volet, r.date_proposition
            order by
                case
                    when r.date_repere is null then 0
                    when r.date_repere >= k.date_debut and r.date_repere <= k.date_fin then 0
                    when r.date_repere < k.date_debut then 1
                    else 2
                end,
                case
                    when r.date_repere is null or r.date_repere <= k.date_fin then k.date_debut
                end asc nulls last,
                k.date_debut desc,
                k.campagne
        ) as rang
    from reperes as r
    cross join campagnes as k
),

datees as (
    select
        finess_ej,
        volet,
        statut,
        campagne,
        coalesce(date_proposition, date_debut_campagne) as date_proposition,
        date_proposition is not null as date_proposition_fournie,
        date_signature,
        date_effet,
        date_fin,
        fichier_source
    from candidats
    where rang = 1
),

suites as (
    select
        d.*,
        {{ caqes.year_of('d.date_proposition') }} as annee_proposition,
        lead(d.date_proposition) over (
            partition by d.finess_ej, d.volet
            order by d.date_proposition, d.date_proposition_fournie
        ) as date_proposition_suivante
    from datees as d
),

resiliations as (
    select
        s.finess_ej,
        s.volet,
        s.date_proposition,
        s.date_proposition_fournie,
        min(a.date_signature) as date_avenant_resiliation
    from suites as s
    inner join {{ ref('stg_avenants') }} as a
        on a.finess_ej = s.finess_ej
        and a.volet = s.volet
        and a.action = 'resiliation'
        and a.date_signature >= s.date_proposition
        and (s.date_proposition_suivante is null or a.date_signature < s.date_proposition_suivante)
    where s.statut = 'signe'
    group by s.finess_ej, s.volet, s.date_proposition, s.date_proposition_fournie
)

select
    s.finess_ej,
    s.volet,
    s.statut,
    s.campagne,
    cast(s.date_proposition as date) as date_proposition,
    s.date_proposition_fournie,
    cast(s.annee_proposition as integer) as annee_proposition,
    cast(coalesce(a.annee_reference, s.annee_proposition - 1) as integer) as annee_reference_ciblage,
    s.date_signature,
    s.date_effet,
    s.date_fin,
    cast(r.date_avenant_resiliation as date) as date_avenant_resiliation,
    cast(
        case
            when r.date_avenant_resiliation is not null
                then {{ caqes.year_end(caqes.year_of('r.date_avenant_resiliation')) }}
        end
    as date) as date_resiliation,
    s.fichier_source
from suites as s
left join resiliations as r
    on r.finess_ej = s.finess_ej
    and r.volet = s.volet
    and r.date_proposition = s.date_proposition
    and r.date_proposition_fournie = s.date_proposition_fournie
left join {{ ref('int_01_annees_campagne') }} as a
    on a.annee = s.annee_proposition
