{#
  Exact decimal arithmetic that gives the same digits on every adapter.

  DuckDB turns DECIMAL / DECIMAL into DOUBLE and PostgreSQL picks its own scale for numeric
  division, so a quotient is never written with `/`: `div_round(num, den, scale)` scales both
  operands to integers, divides them as integers and rounds half away from zero (half-up on the
  non-negative values the pipeline divides) to `scale` decimals. NULL when den is NULL or 0.
  `in_scale` is the number of decimals the operands carry (both are scaled by 10^in_scale;
  an operand with more decimals would be rounded first).
#}

{% macro to_scaled_int(expr, in_scale) -%}
    {{ return(adapter.dispatch('to_scaled_int', 'caqes')(expr, in_scale)) }}
{%- endmacro %}

{% macro default__to_scaled_int(expr, in_scale) -%}
    cast(cast({{ expr }} as numeric(38, {{ in_scale }})) * {{ 10 ** in_scale }} as numeric(38, 0))
{%- endmacro %}

{% macro duckdb__to_scaled_int(expr, in_scale) -%}
    cast(cast({{ expr }} as decimal(38, {{ in_scale }})) * {{ 10 ** in_scale }} as hugeint)
{%- endmacro %}

{% macro int_div(a, b) -%}
    {{ return(adapter.dispatch('int_div', 'caqes')(a, b)) }}
{%- endmacro %}

{% macro default__int_div(a, b) -%}
    div({{ a }}, {{ b }})
{%- endmacro %}

{% macro duckdb__int_div(a, b) -%}
    (({{ a }}) // ({{ b }}))
{%- endmacro %}

{% macro decimal_unit(scale) -%}
    {%- if scale == 0 -%}1{%- else -%}0.{{ '0' * (scale - 1) }}1{%- endif -%}
{%- endmacro %}

{% macro div_round(num, den, scale, in_scale=6) -%}
    {%- set n = caqes.to_scaled_int(num, in_scale) -%}
    {%- set d = caqes.to_scaled_int(den, in_scale) -%}
    (case
        when ({{ num }}) is null or ({{ den }}) is null or ({{ den }}) = 0 then null
        else cast({{ caqes.int_div('2 * abs(' ~ n ~ ') * ' ~ (10 ** scale) ~ ' + abs(' ~ d ~ ')', '2 * abs(' ~ d ~ ')') }} as decimal(38, 0))
            * (case when (({{ num }}) < 0) = (({{ den }}) < 0) or ({{ num }}) = 0 then 1 else -1 end)
            * {{ caqes.decimal_unit(scale) }}
    end)
{%- endmacro %}

{# A decimal written with a fixed number of decimals, identical text on every adapter. #}
{% macro fmt_decimal(expr, scale) -%}
    cast(cast({{ expr }} as decimal(18, {{ scale }})) as varchar)
{%- endmacro %}

{# 31 December of an integer year column, as a DATE. #}
{% macro year_end(year_expr) -%}
    cast(cast({{ year_expr }} as varchar) || '-12-31' as date)
{%- endmacro %}
