{% test cells_match(model, compare_model, key_column='datetime', renamed={}) %}
{#- A model that copies another model's columns (Stage 4's hourly statistics): every column of `compare_model` but
    the key and the partition columns (year, month) - named in `model` as in `compare_model`, or with a prefix
    replaced per `renamed` ({'RT_SPP_AVG_': 'RT_SPP_'}) - holds the same value at the same key, for every key of
    `model` (its rows are its own: Stage 4's hourly tables cover the DA / AS hours, row_count_matches checks them);
    a value in `model` where `compare_model` has none (its row missing or NULL) fails too. Failing rows: the key,
    the columns that differ. -#}
{%- set body %}
{%- set pairs = [] -%}
{%- for c in relation_columns(compare_model, exclude=[key_column, 'year', 'month']) -%}
  {%- set name = namespace(value=c) -%}
  {%- for old, new in renamed.items() if c.startswith(old) -%}{%- set name.value = new ~ c[old | length:] -%}{%- endfor -%}
  {%- do pairs.append((c, name.value)) -%}
{%- endfor -%}
select
    m.{{ key_column }},
    {% if pairs -%}
    concat_ws(', '{% for c, mine in pairs %}, case when m.{{ adapter.quote(mine) }} is distinct from c.{{ adapter.quote(c) }} then {{ sql_string(mine) }} end{% endfor %})
    {%- else -%}
    null
    {%- endif %} as columns_differing
from {{ model }} as m
left join {{ compare_model }} as c on m.{{ key_column }} = c.{{ key_column }}
where false
{%- for c, mine in pairs %}
   or m.{{ adapter.quote(mine) }} is distinct from c.{{ adapter.quote(c) }}
{%- endfor %}
{% endset %}
{#- skipped while its inputs are those of its last pass (macro unless_inputs_changed) -#}
{{ unless_inputs_changed(body, 'test') }}
{% endtest %}
