-- One row per contract line: EJ × volet × proposal (docs/rules.md §4, §7). date_proposition is
-- NULL when the delivered file has no such column; int_08a_propositions dates it then by the
-- campaign's start.
select
    cast(finess_ej as varchar) as finess_ej,
    cast(volet as varchar) as volet,
    cast(statut as varchar) as statut,
    cast(date_proposition as date) as date_proposition,
    cast(date_signature as date) as date_signature,
    cast(date_effet as date) as date_effet,
    cast(date_fin as date) as date_fin,
    cast(_file as varchar) as fichier_source
from {{ source('raw', 'contrats') }}
