-- One row per campaign × evaluation year.
select
    cast(campagne as varchar) as campagne,
    cast(version as varchar) as version,
    cast(sha256 as varchar) as sha256,
    cast(date_debut as date) as date_debut,
    cast(date_fin as date) as date_fin,
    cast(decalage_reference as integer) as decalage_reference,
    cast(annee_evaluation as integer) as annee_evaluation
from {{ source('raw', 'ref_campagne') }}
