-- EJ × year × volet: proposed or not, contract status and whether it is in force on 31 Dec N.
select
    cast(finess_ej as varchar) as finess_ej,
    cast(annee as integer) as annee,
    cast(volet as varchar) as volet,
    cast(propose as boolean) as propose,
    cast(statut as varchar) as statut,
    cast(en_vigueur as boolean) as en_vigueur,
    cast(date_signature as date) as date_signature,
    cast(date_effet as date) as date_effet,
    cast(date_fin as date) as date_fin
from {{ ref('int_08_contractualisation') }}
