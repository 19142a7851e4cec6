{% test columns_equal(model, expected_columns) %}
{#- The relation's columns are exactly `expected_columns`, in that order (the registered schema).
    Failing rows: position, expected and actual column name. -#}
{%- set body %}
with actual as (
    {{ relation_column_positions(model) | indent(4) }}
),

expected as (
    select * from (values
        {%- for c in expected_columns %}
        ({{ loop.index }}, '{{ c }}'){{ ',' if not loop.last }}
        {%- endfor %}
    ) as t(position, column_name)
)

select
    coalesce(e.position, a.position) as position,
    e.column_name as expected_column,
    a.column_name as actual_column
from expected as e
full outer join actual as a on a.position = e.position
where e.column_name is distinct from a.column_name
{% endset %}
{#- skipped while its inputs are those of its last pass (macro unless_inputs_changed) -#}
{{ unless_inputs_changed(body, 'test') }}
{% endtest %}
