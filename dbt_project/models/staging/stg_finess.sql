-- One row per register year × ET (the latest extract of the year wins when a year has several).
{{ finess_extract('finess', 'finess_geo', [
    'finess_geo', 'finess_ej', 'raison_sociale', 'raison_sociale_longue', 'commune', 'departement',
    'libelle_departement', 'categorie', 'libelle_categorie', 'categorie_agregee', 'libelle_categorie_agregee',
]) }}
