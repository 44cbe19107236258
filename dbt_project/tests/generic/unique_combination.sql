{#
  No two rows share the same values of `columns` (the grain of a model). NULLs count as
  values: a NULL key is a duplicate of another NULL key.
#}
{% test unique_combination(model, columns) %}
select
    {{ columns | join(', ') }},
    count(*) as nb_lignes
from {{ model }}
group by {{ columns | join(', ') }}
having count(*) > 1
{% endtest %}
