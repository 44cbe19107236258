select
    cast(campagne as varchar) as campagne,
    cast(indicateur as varchar) as indicateur,
    cast(libelle as varchar) as libelle,
    cast(type_indicateur as varchar) as type_indicateur,
    cast(volet as varchar) as volet,
    cast(theme as varchar) as theme,
    cast(mesure as varchar) as mesure,
    cast(sens as varchar) as sens,
    cast(regle_ciblage as varchar) as regle_ciblage,
    cast(min_base as decimal(18, 4)) as min_base,
    cast(max_taux_evolution as decimal(18, 6)) as max_taux_evolution,
    cast(seuil_valeur as decimal(18, 6)) as seuil_valeur,
    cast(objectif_taux_evolution as decimal(18, 6)) as objectif_taux_evolution,
    cast(objectif_valeur as decimal(18, 6)) as objectif_valeur,
    cast(poids as decimal(9, 4)) as poids,
    cast(part_nationale as decimal(9, 6)) as part_nationale,
    cast(source as varchar) as source_parametres
from {{ source('raw', 'ref_indicateur') }}
