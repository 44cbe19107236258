-- The DG ARS's decision lines (docs/rules.md §7: liste en sus reduction, mise sous accord
-- préalable, reduction or waiver, each with its reason). Read by the outcomes stage from
-- raw.decisions_dg; this view documents the lineage.
select
    cast(finess_ej as varchar) as finess_ej,
    cast(annee as integer) as annee,
    cast(objet as varchar) as objet,
    cast(choix as varchar) as choix,
    cast(montant_base as decimal(18, 2)) as montant_base,
    cast(motif as varchar) as motif,
    cast(_file as varchar) as fichier_source
from {{ source('raw', 'decisions_dg') }}
