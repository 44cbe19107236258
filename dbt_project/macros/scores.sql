{#
  docs/rules.md §5: a score is the weighted mean of the evaluable elements below it (NULL ones left
  out), in percent, rounded half-up to 2 decimals; NULL when nothing below is evaluable.
  `value` is the element (a score in percent, or an attainment times `factor`), `weight` its
  weight, `in_scale` the decimals carried by the products before the division.
#}
{% macro weighted_score(value, weight, in_scale, factor=none) -%}
    {%- set term = value ~ ' * ' ~ weight ~ ((' * ' ~ factor) if factor else '') -%}
    cast(
        {{ caqes.div_round(
            'sum(case when ' ~ value ~ ' is not null then ' ~ term ~ ' end)',
            'sum(case when ' ~ value ~ ' is not null then ' ~ weight ~ ' end)',
            2, in_scale) }}
    as decimal(5, 2))
{%- endmacro %}
