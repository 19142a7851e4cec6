{% test unique_grain(model, columns, context_columns=[]) %}
{#- No two rows share `columns` (e.g. datetime + settlement_point). Failing rows: the key, how many times it
    occurs, and `context_columns` (e.g. iso) so the failure says where. -#}
select
    {% for c in context_columns %}any_value({{ c }}) as {{ c }}, {% endfor %}
    {{ columns | join(', ') }},
    count(*) as occurrences
from {{ model }}
group by {{ columns | join(', ') }}
having count(*) > 1
{% endtest %}
