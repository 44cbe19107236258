-- Libellés des thèmes de chaque campagne, tels que le référentiel les déclare.
select
    campagne,
    theme,
    volet,
    libelle,
    poids,
    enveloppe_regionale
from {{ ref('stg_ref_theme') }}
