{#
  Every non-NULL value of `column_name` lies in [min_value, max_value] (bounds included).
  NULL values pass: whether a NULL is allowed is a separate test (not_null, not_null_exactly_when).
#}
{% test value_between(model, column_name, min_value, max_value) %}
select {{ column_name }}
from {{ model }}
where {{ column_name }} < {{ min_value }}
   or {{ column_name }} > {{ max_value }}
{% endtest %}
