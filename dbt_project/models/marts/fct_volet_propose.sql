-- EJ × year × volet that the EJ must conclude (D162-14 II), with the reasons.
select
    cast(finess_ej as varchar) as finess_ej,
    cast(annee as integer) as annee,
    cast(volet as varchar) as volet,
    cast(nb_et_cibles as integer) as nb_et_cibles,
    cast(motifs as varchar) as motifs,
    cast(nb_indicateurs_cibles as integer) as nb_indicateurs_cibles
from {{ ref('int_07_volets_proposes') }}
