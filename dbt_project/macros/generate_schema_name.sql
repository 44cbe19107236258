{#
  Custom schemas are used as they are (staging, intermediate, marts), not prefixed with the
  target schema. When CAQES_SANDBOX_SCHEMA is set, every model goes to that single schema (the
  raw sources are read from it too, see models/sources.yml): an isolated, disposable run.
  CAQES_BUILD_SUFFIX (the PostgreSQL warehouse's transform: "__build") is appended to the custom
  schemas: dbt builds beside the live schemas, which the runner then switches in one transaction.
  The sources (raw, meta, the outcome tables) are read where they are.
#}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {%- set sandbox = env_var('CAQES_SANDBOX_SCHEMA', '') | trim -%}
    {%- if sandbox -%}
        {{ sandbox }}
    {%- elif custom_schema_name is none -%}
        {{ target.schema | trim }}
    {%- else -%}
        {{ custom_schema_name | trim }}{{ env_var('CAQES_BUILD_SUFFIX', '') | trim }}
    {%- endif -%}
{%- endmacro %}
