{% test keys_preserved(model, source_model, key_columns, partition_filter='true') %}
{#- Every key of `source_model` (all landed rows) is in `model` (Stage 2) and nothing else is: deduplication
    keeps exactly one row per key and loses none. Failing rows: the key and which side lacks it. -#}
with expected as (select distinct {{ key_columns | join(', ') }} from {{ source_model }} where {{ partition_filter }}),
actual as (select distinct {{ key_columns | join(', ') }} from {{ model }} where {{ partition_filter }})

select *, 'missing from model' as problem from (select * from expected except select * from actual)
union all
select *, 'not in source' as problem from (select * from actual except select * from expected)
{% endtest %}
