-- Libellés des indicateurs de chaque campagne (référentiel), plans d'actions PLAN_<thème> compris
-- (int_02_catalogue_indicateurs), avec la mesure et le sens en clair.
select
    campagne,
    indicateur,
    libelle,
    type_indicateur,
    case type_indicateur
        when 'national' then 'indicateur national'
        when 'regional' then 'indicateur régional'
        when 'plan_action' then 'plan d''actions'
    end as libelle_type_indicateur,
    volet,
    theme,
    mesure,
    case mesure
        when 'amount' then 'montant'
        when 'rate' then 'taux'
        when 'share' then 'part'
    end as libelle_mesure,
    sens,
    case sens
        when 'lower_is_better' then 'plus la valeur est basse, mieux c''est'
        when 'higher_is_better' then 'plus la valeur est haute, mieux c''est'
    end as libelle_sens,
    objectif_valeur,
    objectif_taux_evolution,
    poids
from {{ ref('int_02_catalogue_indicateurs') }}
