-- Avis of the organisme local d'assurance maladie before a non-attainment décision
-- (docs/rules.md §7). Read by the outcomes stage from raw.avis_cpam; this view documents the lineage.
select
    cast(finess_ej as varchar) as finess_ej,
    cast(annee as integer) as annee,
    cast(date_avis as date) as date_avis,
    cast(sens as varchar) as sens,
    cast(commentaire as varchar) as commentaire,
    cast(_file as varchar) as fichier_source
from {{ source('raw', 'avis_cpam') }}
