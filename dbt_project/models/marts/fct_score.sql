-- EJ × year × level (theme / volet / contrat): scores in percent, half-up to 2 decimals.
-- code: the theme, the volet, or the campaign for the contract level.
select
    cast(finess_ej as varchar) as finess_ej,
    cast(annee as integer) as annee,
    cast('theme' as varchar) as niveau,
    cast(theme as varchar) as code,
    cast(volet as varchar) as volet,
    cast(score as decimal(5, 2)) as score,
    score is not null as evaluable,
    cast(nb_elements as integer) as nb_elements,
    cast(campagne as varchar) as campagne
from {{ ref('int_12_scores_themes') }}

union all

select
    cast(finess_ej as varchar) as finess_ej,
    cast(annee as integer) as annee,
    cast('volet' as varchar) as niveau,
    cast(volet as varchar) as code,
    cast(volet as varchar) as volet,
    cast(score as decimal(5, 2)) as score,
    score is not null as evaluable,
    cast(nb_elements as integer) as nb_elements,
    cast(campagne as varchar) as campagne
from {{ ref('int_13_scores_volets') }}

union all

select
    cast(finess_ej as varchar) as finess_ej,
    cast(annee as integer) as annee,
    cast('contrat' as varchar) as niveau,
    cast(campagne as varchar) as code,
    cast(null as varchar) as volet,
    cast(score as decimal(5, 2)) as score,
    score is not null as evaluable,
    cast(nb_elements as integer) as nb_elements,
    cast(campagne as varchar) as campagne
from {{ ref('int_14_score_contrat') }}
