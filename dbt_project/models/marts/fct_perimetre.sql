-- EJ × volet × ET × indicator × year N: the contracted perimeter in force in N, with where each
-- row comes from (signature or avenant). Rule: int_08b_perimetre (docs/rules.md §4).
select
    cast(finess_ej as varchar) as finess_ej,
    cast(volet as varchar) as volet,
    cast(finess_geo as varchar) as finess_geo,
    cast(indicateur as varchar) as indicateur,
    cast(annee as integer) as annee,
    cast(type_indicateur as varchar) as type_indicateur,
    cast(theme as varchar) as theme,
    cast(origine as varchar) as origine,
    cast(date_proposition as date) as date_proposition,
    cast(annee_reference_ciblage as integer) as annee_reference_ciblage,
    cast(date_avenant as date) as date_avenant,
    cast(motif_origine as varchar) as motif_origine
from {{ ref('int_08b_perimetre') }}
