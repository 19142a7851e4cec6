{% test gaps_unobserved(model, filled_model) %}
{#- The missing cells of a Stage 3 series (a fill_gaps model) are cells with no observed value: no gap cell is at
    a (datetime, key) the series observed. With the gap table's own unique_grain and Stage 2's grain, this makes the
    long series one row per (datetime, key) - without grouping every observed row. Failing rows: datetime, key,
    the gap cell's value and the observed value. -#}
{%- set body %}
select g.datetime, g.key, g.value as gap_value, o.value as observed_value
from (select datetime, key, value from {{ filled_model }} where observed) as o
inner join {{ model }} as g on g.datetime = o.datetime and g.key = o.key
{% endset %}
{#- skipped while its inputs are those of its last pass (macro unless_inputs_changed) -#}
{{ unless_inputs_changed(body, 'test') }}
{% endtest %}
