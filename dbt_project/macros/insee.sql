{#
  commune_insee(departement, commune): the INSEE commune code (5 characters, text) of a FINESS
  address, from the extract's `departement` (2 characters) and `commune` (the 3-digit FINESS
  commune code). The only place this rule is written; tested by the unit test
  `commune_insee_from_finess_codes` (models/staging/stg_finess.yml) on real extract lines.

  - metropolitan départements 01–95 and Corsica 2A/2B: département + commune
    (01 + 451 → 01451 Viriat, 2A + 004 → 2A004 Ajaccio);
  - overseas, FINESS codes the département 9A–9F and 9J; its 3-digit commune code starts with
    the third digit of the INSEE département: 9A Guadeloupe 971 (123 → 97123), 9B Martinique
    972, 9C Guyane 973, 9D La Réunion 974, 9E Saint-Pierre-et-Miquelon 975, 9F Mayotte 976, all
    "97" + commune; 9J Wallis-et-Futuna 986: "98" + commune (613 → 98613 Uvea). A commune code
    whose first digit does not match its département is not guessed (NULL);
  - Saint-Barthélemy and Saint-Martin are still coded in Guadeloupe by FINESS (9A, 123 and 127,
    their INSEE codes before 2007): they map to their current codes 97701 and 97801;
  - anything else (empty, not three digits, an unknown département code): NULL.
  Cross-database SQL (DuckDB and PostgreSQL).
#}
{% macro commune_insee(departement, commune) -%}
    case
        when {{ commune }} is null or {{ departement }} is null
            or length({{ commune }}) <> 3 or translate({{ commune }}, '0123456789', '') <> '' then null
        when {{ departement }} = '9A' and {{ commune }} = '123' then '97701'
        when {{ departement }} = '9A' and {{ commune }} = '127' then '97801'
        when ({{ departement }} = '9A' and substr({{ commune }}, 1, 1) = '1')
            or ({{ departement }} = '9B' and substr({{ commune }}, 1, 1) = '2')
            or ({{ departement }} = '9C' and substr({{ commune }}, 1, 1) = '3')
            or ({{ departement }} = '9D' and substr({{ commune }}, 1, 1) = '4')
            or ({{ departement }} = '9E' and substr({{ commune }}, 1, 1) = '5')
            or ({{ departement }} = '9F' and substr({{ commune }}, 1, 1) = '6') then '97' || {{ commune }}
        when {{ departement }} = '9J' and substr({{ commune }}, 1, 1) = '6' then '98' || {{ commune }}
        when {{ departement }} in ('2A', '2B') then {{ departement }} || {{ commune }}
        when length({{ departement }}) = 2 and translate({{ departement }}, '0123456789', '') = ''
            and {{ departement }} between '01' and '95' and {{ departement }} <> '20'
            then {{ departement }} || {{ commune }}
        else null
    end
{%- endmacro %}
