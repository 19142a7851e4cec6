{% test pivot_matches_long(model, long_model, key_column, value_column, filled_model=none, iso=none) %}
{#- Pivot accuracy for a Stage 3 wide table: every long (Stage 2) value appears in the wide table at its
    (datetime, column) with the same value; and every non-NULL wide cell is either such a long value or a cell the
    fill rule filled (per `filled_model`). Failing rows: datetime, column, long value, wide value, problem.
    With `iso` (the wide model is written one day at a time), an incremental run compares only the local days not
    yet verified (unverified_days_filter): the wide rows by the local day of `datetime`, the long and filled rows by
    their `datetime_local`. -#}
{%- set wide_scope = unverified_days_filter(model, "timezone('" ~ iso_timezone(iso) ~ "', datetime)") if iso else 'true' -%}
{%- set long_scope = unverified_days_filter(model, 'datetime_local') if iso else 'true' -%}
{%- if execute and relation_columns(model) | length == 0 %}
{#- no value column at all: nothing landed for this dataset; then the long side must be empty too -#}
select datetime, {{ key_column }} as key, {{ value_column }} as long_value, null as wide_value,
       'long value missing from an empty wide table' as problem
from {{ long_model }}
{%- else %}
with wide as (
    unpivot (select * exclude (year) from {{ model }} where {{ wide_scope }})
    on columns(* exclude (datetime))
    into name key value wide_value
),

long as (
    select datetime, {{ key_column }} as key, {{ value_column }} as long_value
    from {{ long_model }}
    where {{ value_column }} is not null and {{ long_scope }}
),

compared as (
    select
        coalesce(l.datetime, w.datetime) as datetime,
        coalesce(l.key, w.key) as key,
        l.long_value,
        w.wide_value
    from long as l
    full outer join wide as w on w.datetime = l.datetime and w.key = l.key
)

select c.*, 'long value missing or different in wide table' as problem
from compared as c
where c.long_value is not null and c.wide_value is distinct from c.long_value
{% if filled_model %}
union all
select c.*, 'wide value neither observed nor filled' as problem
from compared as c
where c.long_value is null and c.wide_value is not null
  and not exists (
      select 1 from {{ filled_model }} as f
      where {{ long_scope }} and f.datetime = c.datetime and f.key = c.key and f.filled and f.value = c.wide_value
  )
{% endif %}
{%- endif %}
{% endtest %}
