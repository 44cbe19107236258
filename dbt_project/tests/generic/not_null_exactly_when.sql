{#
  `column_name` is non-NULL exactly on the rows where `condition` (a SQL boolean expression over
  the model's columns) is true, and NULL on every other row (a NULL condition counts as false).
  E.g. atteinte is NULL if and only if the row is not evaluable.
#}
{% test not_null_exactly_when(model, column_name, condition) %}
select *
from {{ model }}
where (case when {{ condition }} then 1 else 0 end)
   <> (case when {{ column_name }} is not null then 1 else 0 end)
{% endtest %}
