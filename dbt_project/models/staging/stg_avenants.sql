-- Avenants to a signed contract (docs/rules.md §4; contract template art. 3, 10, 11).
-- A résiliation concerns the whole volet: its finess_geo / indicateur are empty (NULL here,
-- an empty text is read as NULL).
select
    cast(finess_ej as varchar) as finess_ej,
    cast(volet as varchar) as volet,
    cast(nullif(trim(cast(finess_geo as varchar)), '') as varchar) as finess_geo,
    cast(nullif(trim(cast(indicateur as varchar)), '') as varchar) as indicateur,
    cast(action as varchar) as action,
    cast(date_signature as date) as date_signature,
    cast(motif as varchar) as motif,
    cast(_file as varchar) as fichier_source
from {{ source('raw', 'avenants') }}
