{% test keys_preserved(model, source_model, key_columns, partition_filter='true', local_column=none) %}
{#- Deduplication keeps exactly one row per key and loses none. Per interval (the first key column), the model has
    as many rows as the source has distinct keys; only the intervals where the counts differ are compared key by key,
    so a failing row names the interval, the key and the problem, while a passing run never builds the full key sets.
    With `local_column`, an incremental run compares only the local days not yet verified (unverified_days_filter);
    after a full export, everything. -#}
{%- set body %}
{%- set interval = key_columns[0] -%}
{%- set rest = key_columns[1:] -%}
{%- set scope = partition_filter ~ (" and " ~ unverified_days_filter(model, local_column) if local_column else "") -%}
with expected as (
    select {{ interval }}, {{ count_distinct(rest) }} as keys
    from {{ source_model }} where {{ scope }} group by 1
),

actual as (
    select {{ interval }}, count(*) as keys
    from {{ model }} where {{ scope }} group by 1
),

differ as (
    select {{ interval }}
    from expected full outer join actual using ({{ interval }})
    where expected.keys is distinct from actual.keys
),

expected_keys as (
    select distinct {{ key_columns | join(', ') }} from {{ source_model }} {{ semi_join() }} differ using ({{ interval }})
    where {{ scope }}
),

actual_keys as (
    select {{ key_columns | join(', ') }}, count(*) as occurrences
    from {{ model }} {{ semi_join() }} differ using ({{ interval }})
    where {{ scope }}
    group by all
)

select *, 'missing from model' as problem
from (select * from expected_keys except select {{ key_columns | join(', ') }} from actual_keys)
union all
select *, 'not in source' as problem
from (select {{ key_columns | join(', ') }} from actual_keys except select * from expected_keys)
union all
select {{ key_columns | join(', ') }}, 'more than once in model' as problem
from actual_keys where occurrences > 1
{% endset %}
{#- skipped while its inputs are those of its last pass (macro unless_inputs_changed) -#}
{{ unless_inputs_changed(body, 'test') }}
{% endtest %}
