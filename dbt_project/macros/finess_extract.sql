{#
  finess_extract(source_table, key, columns): one row per register year × `key` of an official
  FINESS extract loaded in raw.<source_table> (`finess`: the ETs, `finess_ej`: the EJs), typed.
  The one place where an extract's rows become staging rows:
  - the latest extract of a year wins when a year has several (extract date, then file name);
  - `annee` (integer), `date_extraction` (date) first, `fichier_source` last;
  - each of `columns` as text, in the order given; `commune_insee` (see insee.sql) follows
    `commune`, from the extract's `departement` and `commune`.
#}
{% macro finess_extract(source_table, key, columns) -%}
with extraits as (
    select
        *,
        row_number() over (partition by annee, {{ key }} order by extract_date desc, _file desc) as rang
    from {{ source('raw', source_table) }}
)
select
    cast(annee as integer) as annee,
    cast(extract_date as date) as date_extraction,
    {%- for column in columns %}
    cast({{ column }} as varchar) as {{ column }},
    {%- if column == 'commune' %}
    cast({{ commune_insee('departement', 'commune') }} as varchar) as commune_insee,
    {%- endif %}
    {%- endfor %}
    cast(_file as varchar) as fichier_source
from extraits
where rang = 1
{%- endmacro %}

{#
  extract_of_year_rank(partition_by, extract_year, year): which FINESS extract applies to a year.
  Ranks the extracts (their register year `extract_year`) of each `partition_by` group for the
  evaluated `year`: 1 is the extract of the year, else the latest before it, else the earliest
  after it. The one place this rule is written (ET attachment in int_03_registre_annuel, EJ
  name and address in dim_etablissement).
#}
{% macro extract_of_year_rank(partition_by, extract_year, year) -%}
row_number() over (
            partition by {{ partition_by }}
            order by
                case when {{ extract_year }} = {{ year }} then 0 when {{ extract_year }} < {{ year }} then 1 else 2 end,
                case when {{ extract_year }} <= {{ year }} then {{ year }} - {{ extract_year }} else {{ extract_year }} - {{ year }} end
        )
{%- endmacro %}
