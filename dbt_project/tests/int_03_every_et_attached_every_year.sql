-- docs/rules.md §1: an ET belongs to exactly one EJ for a given year. With the grain test on
-- (finess_geo, annee) and not_null on finess_ej (_intermediate.yml), this makes it "exactly one":
-- every ET of the FINESS register has an attachment for every year of the spine (int_01).
select e.finess_geo, a.annee
from (select distinct finess_geo from {{ ref('stg_finess') }}) as e
cross join {{ ref('int_01_annees_campagne') }} as a
left join {{ ref('int_03_registre_annuel') }} as r
    on r.finess_geo = e.finess_geo and r.annee = a.annee
where r.finess_geo is null
