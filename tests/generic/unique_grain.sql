{% test unique_grain(model, columns, context_columns=[], local_column=none) %}
{#- No two rows share `columns` (e.g. datetime + settlement_point). Failing rows: the key, how many times it
    occurs, and `context_columns` (e.g. iso, datetime_local, source_file: every distinct value, comma-separated)
    so the failure says where: the ISO, the local day and hour, the delivered files. With `local_column` (a local timestamp of
    the row) on a model written one day at a time, an incremental run checks only the days not yet verified (unverified_days_filter): a key lies in one day, so the other days cannot have
    changed.
    Two steps, so that a year of 5-minute prices (165 M rows) fits the memory limit: the 64-bit hashes of the keys
    that occur more than once (8 bytes a key: grouping the keys themselves ran out of 1.5 GB at a year), then the
    rows with those hashes grouped by the key itself, exactly (a hash shared by two different keys is dropped there).
    Usually no hash repeats, and the second read of the model stops at once. -#}
{%- set body %}
{%- set rows = "select " ~ (columns + context_columns) | unique | join(', ') ~ " from " ~ model
             ~ (" where " ~ unverified_days_filter(model, local_column) if local_column else "") %}
with repeated as (
    select {{ key_hash(columns) }} as key_hash
    from ({{ rows }}) as keyed
    group by {{ key_hash(columns) }}
    having count(*) > 1
),
suspects as (
    select * from ({{ rows }}) as keyed
    where {{ key_hash(columns) }} in (select key_hash from repeated)
)
select
    {% for c in context_columns %}{{ distinct_text_list(c) }} as {{ c }}, {% endfor %}
    {{ columns | join(', ') }},
    count(*) as occurrences
from suspects
group by {{ columns | join(', ') }}
having count(*) > 1
{% endset %}
{#- skipped while its inputs are those of its last pass (macro unless_inputs_changed) -#}
{{ unless_inputs_changed(body, 'test') }}
{% endtest %}
