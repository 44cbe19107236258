-- Notices sent to an EJ and their receipt (docs/rules.md §7, procedure). Read by the outcomes
-- stage from raw.notifications; this view documents the lineage.
select
    cast(finess_ej as varchar) as finess_ej,
    cast(annee as integer) as annee,
    cast(document as varchar) as document,
    cast(date_envoi as date) as date_envoi,
    cast(date_reception as date) as date_reception,
    cast(_file as varchar) as fichier_source
from {{ source('raw', 'notifications') }}
