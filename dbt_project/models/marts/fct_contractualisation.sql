-- EJ × year × volet: proposed or not, the contract line that applies in N (latest proposal of
-- year <= N), whether it is in force on 31 Dec N, refusal to sanction, résiliation (int_08).
select
    cast(finess_ej as varchar) as finess_ej,
    cast(annee as integer) as annee,
    cast(volet as varchar) as volet,
    cast(propose as boolean) as propose,
    cast(statut as varchar) as statut,
    cast(en_vigueur as boolean) as en_vigueur,
    cast(date_signature as date) as date_signature,
    cast(date_effet as date) as date_effet,
    cast(date_fin as date) as date_fin,
    cast(date_proposition as date) as date_proposition,
    cast(refus_a_sanctionner as boolean) as refus_a_sanctionner,
    cast(date_resiliation as date) as date_resiliation
from {{ ref('int_08_contractualisation') }}
