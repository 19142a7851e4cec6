{% test unique_grain(model, columns, context_columns=[], local_column=none) %}
{#- No two rows share `columns` (e.g. datetime + settlement_point). Failing rows: the key, how many times it
    occurs, and `context_columns` (e.g. iso, datetime_local, source_file: every distinct value, comma-separated)
    so the failure says where: the ISO, the local day and hour, the delivered files. With `local_column` (a local timestamp of
    the row) on a model written one day at a time, an incremental run checks only the days not yet verified (unverified_days_filter): a key lies in one day, so the other days cannot have
    changed. -#}
select
    {% for c in context_columns %}{{ distinct_text_list(c) }} as {{ c }}, {% endfor %}
    {{ columns | join(', ') }},
    count(*) as occurrences
from {{ model }}
{%- if local_column %}
where {{ unverified_days_filter(model, local_column) }}
{%- endif %}
group by {{ columns | join(', ') }}
having count(*) > 1
{% endtest %}
