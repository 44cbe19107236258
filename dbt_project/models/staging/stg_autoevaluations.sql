-- The establishment's self-assessment per EJ × year × theme (contrat type art. 8: « rapport annuel
-- d'autoévaluation »), reported by the rapport d'évaluation annuel (caqes_tasks/documents).
select
    cast(finess_ej as varchar) as finess_ej,
    cast(annee as integer) as annee,
    cast(theme as varchar) as theme,
    cast(realisation as varchar) as realisation,
    cast(commentaire as varchar) as commentaire,
    cast(_file as varchar) as fichier_source
from {{ source('raw', 'autoevaluations') }}
