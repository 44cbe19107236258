-- Les statuts de contractualisation (fct_contractualisation.statut) en clair : les trois statuts
-- d'une ligne de contrat du fichier contrats, et « absent » quand aucune proposition n'existe.
select
    cast(statut as varchar) as statut,
    cast(libelle as varchar) as libelle,
    cast(description as varchar) as description
from (
    values
        ('signe', 'signé', 'le contrat du volet a été signé par l''établissement'),
        ('refus', 'refusé', 'l''établissement a refusé le volet proposé'),
        ('en_cours', 'en cours', 'le volet est proposé, ni signé ni refusé à ce jour'),
        ('absent', 'absent', 'aucune proposition de ce volet à l''établissement pour l''année ou avant')
) as statuts (statut, libelle, description)
