-- One row per register year × EJ of the FINESS legal-entities extract (optional source: empty
-- when no extract was delivered). The latest extract of a year wins when a year has several.
{{ finess_extract('finess_ej', 'finess_ej', [
    'finess_ej', 'raison_sociale', 'raison_sociale_longue', 'complement_raison_sociale',
    'complement_distribution', 'numero_voie', 'type_voie', 'voie', 'complement_voie', 'lieu_dit_bp',
    'commune', 'departement', 'ligne_acheminement', 'statut_juridique', 'libelle_statut_juridique', 'siren',
]) }}
