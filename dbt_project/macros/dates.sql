{#
  Dates written the same way on every adapter (no strftime / to_char).
  year_end (31 December of a year) lives in arithmetic.sql.
#}

{# 1 January of an integer year column, as a DATE. #}
{% macro year_start(year_expr) -%}
    cast(cast({{ year_expr }} as varchar) || '-01-01' as date)
{%- endmacro %}

{# Calendar year of a DATE, as an INTEGER. #}
{% macro year_of(date_expr) -%}
    cast(extract(year from {{ date_expr }}) as integer)
{%- endmacro %}

{# A DATE as French text DD/MM/YYYY (NULL stays NULL). #}
{% macro fmt_date_fr(date_expr) -%}
    (lpad(cast(cast(extract(day from {{ date_expr }}) as integer) as varchar), 2, '0')
        || '/' || lpad(cast(cast(extract(month from {{ date_expr }}) as integer) as varchar), 2, '0')
        || '/' || cast(cast(extract(year from {{ date_expr }}) as integer) as varchar))
{%- endmacro %}
