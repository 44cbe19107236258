-- EJ × year × level (theme / volet / contrat): scores in percent, half-up to 2 decimals.
-- code: the theme, the volet, or the campaign for the contract level.
{#- level, its model, the column that is its code, its volet (none at the contract level) #}
{%- set niveaux = [
    ('theme', 'int_12_scores_themes', 'theme', 'volet'),
    ('volet', 'int_13_scores_volets', 'volet', 'volet'),
    ('contrat', 'int_14_score_contrat', 'campagne', 'null'),
] %}
{%- for niveau, modele, code, volet in niveaux %}
{%- if not loop.first %}

union all
{% endif %}
select
    cast(finess_ej as varchar) as finess_ej,
    cast(annee as integer) as annee,
    cast('{{ niveau }}' as varchar) as niveau,
    cast({{ code }} as varchar) as code,
    cast({{ volet }} as varchar) as volet,
    cast(score as decimal(5, 2)) as score,
    score is not null as evaluable,
    cast(nb_elements as integer) as nb_elements,
    cast(campagne as varchar) as campagne
from {{ ref(modele) }}
{%- endfor %}
