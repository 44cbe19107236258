{#
  Attainment per ET × year N × indicator of the contracted perimeter in force in N
  (int_08b_perimetre; docs/rules.md §4-§5). Yearly targeting does not decide who is evaluated.
  An ET in the perimeter of two EJs the same year (it changed EJ) gets one row: the EJ it is
  attached to that year (int_03), else the smaller finess_ej.

  R = value of the reference year (N - décalage), A = value of N,
  T = objectif_valeur, or R × (1 + objectif_taux_evolution) (6 decimals, half-up; R widened to
  38 digits first: DuckDB keeps a DECIMAL(18) product at 18 digits, which an amount above
  10⁶ € overflows).
  lower_is_better:  a = 1 if A <= T; else (R - A) / (R - T) if T < R and A < R; else 0.
  higher_is_better: a = 1 if A >= T; else (A - R) / (T - R) if T > R and A > R; else 0.
  Missing A, R or T: not evaluable, atteinte NULL, with the reason.

  Contract of the row: the EJ's line for the volet in N (int_08): en_vigueur, and motif_contrat
  saying why it is not in force.

  Period of the national savings (docs/rules.md §6; national indicators only, NULL otherwise):
  debut_periode = 1 January N, or the contract's date_effet when N is the contract's first year
  and it starts after 1 January. methode_periode:
  - 'annee_civile': the period is the calendar year; montant / montant_reference are its amounts;
  - 'lignes_phev': the period starts on the first day of a month and the phev_lines feed covers
    the ET × indicator in N and in N-1 (at least one line each year): montant_periode /
    montant_periode_reference = the lines executed from that month to December of N, resp. of
    N-1 (stg_phev_lines is by month, so the period is exact by execution month);
  - 'prorata_jours': otherwise (yearly amounts only, or a period not starting on the 1st of a
    month): montant_periode columns NULL, the outcomes stage prorates montant /
    montant_reference by days.
#}
with perimetre as (
    select
        p.*,
        row_number() over (
            partition by p.finess_geo, p.annee, p.indicateur
            order by case when r.finess_ej = p.finess_ej then 0 else 1 end, p.finess_ej, p.volet
        ) as rang
    from {{ ref('int_08b_perimetre') }} as p
    left join {{ ref('int_03_registre_annuel') }} as r
        on r.finess_geo = p.finess_geo and r.annee = p.annee
),

valeurs as (
    select * from {{ ref('int_04_valeurs_indicateurs') }}
),

base as (
    select
        p.finess_geo,
        p.finess_ej,
        p.annee,
        p.indicateur,
        a.campagne,
        c.type_indicateur,
        p.volet,
        c.theme,
        c.mesure,
        c.sens,
        a.annee_reference,
        p.origine as origine_perimetre,
        v.valeur,
        r.valeur as valeur_reference,
        v.montant,
        r.montant as montant_reference,
        cast(
            case
                when c.objectif_valeur is not null then c.objectif_valeur
                when c.objectif_taux_evolution is not null and r.valeur is not null
                    then round(cast(r.valeur as decimal(38, 6)) * (1 + c.objectif_taux_evolution), 6)
            end
        as decimal(18, 6)) as objectif,
        coalesce(k.en_vigueur, false) as en_vigueur,
        cast(
            case
                when k.en_vigueur then null
                when k.finess_ej is null then
                    'pas de contrat du volet ' || p.volet || ' en ' || cast(p.annee as varchar)
                when k.date_resiliation is not null and k.date_resiliation < {{ caqes.year_end('p.annee') }} then
                    'volet ' || p.volet || ' résilié au ' || {{ caqes.fmt_date_fr('k.date_resiliation') }}
                when k.date_effet is null then
                    'contrat du volet ' || p.volet || ' sans date d''effet'
                when k.date_effet > {{ caqes.year_end('p.annee') }} then
                    'contrat du volet ' || p.volet || ' en vigueur à partir du ' || {{ caqes.fmt_date_fr('k.date_effet') }}
                when k.date_fin is not null and k.date_fin < {{ caqes.year_end('p.annee') }} then
                    'contrat du volet ' || p.volet || ' terminé le ' || {{ caqes.fmt_date_fr('k.date_fin') }}
                else 'contrat du volet ' || p.volet || ' non en vigueur au 31/12/' || cast(p.annee as varchar)
            end
        as varchar) as motif_contrat,
        cast(
            case
                when c.type_indicateur <> 'national' then null
                when k.date_effet is not null
                    and {{ caqes.year_of('k.date_effet') }} = p.annee
                    and k.date_effet > {{ caqes.year_start('p.annee') }}
                    then k.date_effet
                else {{ caqes.year_start('p.annee') }}
            end
        as date) as debut_periode
    from perimetre as p
    inner join {{ ref('int_01_annees_campagne') }} as a
        on a.annee = p.annee
    inner join {{ ref('int_02_catalogue_indicateurs') }} as c
        on c.campagne = a.campagne and c.indicateur = p.indicateur
    left join valeurs as v
        on v.finess_geo = p.finess_geo and v.indicateur = p.indicateur and v.annee = p.annee
    left join valeurs as r
        on r.finess_geo = p.finess_geo and r.indicateur = p.indicateur and r.annee = a.annee_reference
    left join {{ ref('int_08_contractualisation') }} as k
        on k.finess_ej = p.finess_ej and k.annee = p.annee and k.volet = p.volet
    where p.rang = 1
),

-- phev_lines over the period of N and the same months of N-1, with the feed's coverage
lignes as (
    select
        b.finess_geo,
        b.annee,
        b.indicateur,
        max(case when l.annee = b.annee then 1 else 0 end) as couvre_annee,
        max(case when l.annee = b.annee - 1 then 1 else 0 end) as couvre_annee_precedente,
        sum(
            case
                when l.annee = b.annee
                    and extract(month from l.mois) >= extract(month from b.debut_periode)
                    then l.montant
                else 0
            end
        ) as montant_periode,
        sum(
            case
                when l.annee = b.annee - 1
                    and extract(month from l.mois) >= extract(month from b.debut_periode)
                    then l.montant
                else 0
            end
        ) as montant_periode_reference
    from base as b
    inner join {{ ref('stg_phev_lines') }} as l
        on l.finess_geo = b.finess_geo
        and l.indicateur = b.indicateur
        and l.annee in (b.annee, b.annee - 1)
    where b.debut_periode > {{ caqes.year_start('b.annee') }}
    group by b.finess_geo, b.annee, b.indicateur
),

periodes as (
    select
        b.*,
        case
            when b.debut_periode is null then null
            when b.debut_periode = {{ caqes.year_start('b.annee') }} then 'annee_civile'
            when extract(day from b.debut_periode) = 1
                and l.couvre_annee = 1
                and l.couvre_annee_precedente = 1
                then 'lignes_phev'
            else 'prorata_jours'
        end as methode_periode,
        l.montant_periode as montant_periode_lignes,
        l.montant_periode_reference as montant_periode_reference_lignes
    from base as b
    left join lignes as l
        on l.finess_geo = b.finess_geo and l.annee = b.annee and l.indicateur = b.indicateur
)

select
    finess_geo,
    finess_ej,
    annee,
    indicateur,
    campagne,
    type_indicateur,
    volet,
    theme,
    mesure,
    sens,
    annee_reference,
    valeur,
    valeur_reference,
    objectif,
    montant,
    montant_reference,
    cast(
        case
            when valeur is null or valeur_reference is null or objectif is null then null
            when sens = 'higher_is_better' then
                case
                    when valeur >= objectif then 1
                    when objectif > valeur_reference and valeur > valeur_reference
                        then {{ caqes.div_round('valeur - valeur_reference', 'objectif - valeur_reference', 6, 6) }}
                    else 0
                end
            else
                case
                    when valeur <= objectif then 1
                    when objectif < valeur_reference and valeur < valeur_reference
                        then {{ caqes.div_round('valeur_reference - valeur', 'valeur_reference - objectif', 6, 6) }}
                    else 0
                end
        end
    as decimal(18, 6)) as atteinte,
    valeur is not null and valeur_reference is not null and objectif is not null as evaluable,
    cast(
        case
            when valeur is null and valeur_reference is null then
                'valeurs ' || cast(annee as varchar) || ' et ' || cast(annee_reference as varchar) || ' absentes'
            when valeur is null then 'valeur ' || cast(annee as varchar) || ' absente'
            when valeur_reference is null then 'valeur de référence ' || cast(annee_reference as varchar) || ' absente'
            when objectif is null then 'objectif non défini dans le référentiel'
        end
    as varchar) as motif_non_evaluable,
    cast(origine_perimetre as varchar) as origine_perimetre,
    en_vigueur,
    cast(motif_contrat as varchar) as motif_contrat,
    cast(debut_periode as date) as debut_periode,
    cast(methode_periode as varchar) as methode_periode,
    cast(case when methode_periode = 'lignes_phev' then montant_periode_lignes end as decimal(18, 2)) as montant_periode,
    cast(case when methode_periode = 'lignes_phev' then montant_periode_reference_lignes end as decimal(18, 2)) as montant_periode_reference
from periodes
