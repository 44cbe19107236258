{#
  texte_seuil(valeur, seuil, sens, cible): a targeting test read against its threshold, as text
  (6 decimals): "<valeur> < seuil <seuil>" and so on. The sign says on which side of the
  threshold the value lies: a test `cible` (true: the value is on the wrong side for the
  indicator's `sens`) reads "<" when higher is better, ">" otherwise; a test passed reads
  ">=" / "<=". Used by int_06_ciblage for the evolution and value tests.
#}
{% macro texte_seuil(valeur, seuil, sens, cible) -%}
{{ caqes.fmt_decimal(valeur, 6) }}
                || case
                    when {{ sens }} = 'higher_is_better' and {{ cible }} then ' < '
                    when {{ sens }} = 'higher_is_better' then ' >= '
                    when {{ cible }} then ' > '
                    else ' <= '
                end
                || 'seuil ' || {{ caqes.fmt_decimal(seuil, 6) }}
{%- endmacro %}
