-- Libellés des volets de chaque campagne, tels que le référentiel les déclare.
select
    campagne,
    volet,
    libelle,
    poids
from {{ ref('stg_ref_volet') }}
