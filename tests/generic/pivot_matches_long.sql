{% test pivot_matches_long(model, long_model, key_column, value_column, filled_model=none, iso=none) %}
{#- Pivot accuracy for a Stage 3 wide table: every long (Stage 2) value appears in the wide table at its
    (datetime, column) with the same value; and every non-NULL wide cell is either such a long value or a cell the
    fill rule filled (per `filled_model`). Failing rows: datetime, column, long value, wide value, problem.
    Reconciled per interval first - the number of cells, their sum and their sum weighted by column position, wide
    row against long rows - so a passing run never joins the cells; only the intervals that differ are compared cell
    by cell (a value changed, missing, extra or under another column changes one of the three).
    With `iso` (the wide model is written one day at a time), an incremental run compares only the local days not
    yet verified (unverified_days_filter): the wide rows by the local day of `datetime`, the long and filled rows by
    their `datetime_local`. -#}
{%- set body %}
{%- set wide_scope = unverified_days_filter(model, "timezone('" ~ iso_timezone(iso) ~ "', datetime)", 'datetime') if iso else 'true' -%}
{%- set long_scope = unverified_days_filter(model, 'datetime_local') if iso else 'true' -%}
{%- set columns = relation_columns(model) if execute else [] -%}
{%- if execute and columns | length == 0 %}
{#- no value column at all: nothing landed for this dataset; then the long side must be empty too -#}
select datetime, {{ key_column }} as key, {{ value_column }} as long_value, null as wide_value,
       'long value missing from an empty wide table' as problem
from {{ long_model }}
{%- else %}
with weights as (
    select * from (values {% for c in columns %}({{ sql_string(c) }}, {{ loop.index }}){{ ', ' if not loop.last }}{% endfor %}) as w(key, weight)
),

long as (
    -- every value the wide table must hold: the observed values and the cells the fill rule filled
    select datetime, {{ key_column }} as key, {{ value_column }} as value
    from {{ long_model }}
    where {{ value_column }} is not null and {{ long_scope }}
    {%- if filled_model %}
    union all
    select datetime, key, value from {{ filled_model }} where filled and {{ long_scope }}
    {%- endif %}
),

long_sums as (
    select
        l.datetime,
        count(*) as cells,
        sum(l.value) as total,
        sum(l.value * coalesce(w.weight, 0)) as weighted
    from long as l
    left join weights as w using (key)
    group by l.datetime
),

wide_sums as (
    {{ wide_cell_sums(model, columns, wide_scope) | indent(4) }}
),

differ as (
    select datetime
    from long_sums as l
    full outer join wide_sums as w using (datetime)
    where coalesce(l.cells, 0) <> coalesce(w.cells, 0)
       or abs(coalesce(l.total, 0) - coalesce(w.total, 0)) > 1e-9 * greatest(abs(coalesce(l.total, 0)), abs(coalesce(w.total, 0)), 1)
       or abs(coalesce(l.weighted, 0) - coalesce(w.weighted, 0)) > 1e-9 * greatest(abs(coalesce(l.weighted, 0)), abs(coalesce(w.weighted, 0)), 1)
),

wide as (
    {{ wide_cells(model, columns, wide_scope) | indent(4) }}
),

observed as (
    select datetime, {{ key_column }} as key, {{ value_column }} as long_value
    from {{ long_model }} semi join differ using (datetime)
    where {{ value_column }} is not null and {{ long_scope }}
),

compared as (
    select
        coalesce(l.datetime, w.datetime) as datetime,
        coalesce(l.key, w.key) as key,
        l.long_value,
        w.wide_value
    from observed as l
    full outer join wide as w on w.datetime = l.datetime and w.key = l.key
)

select c.*, 'long value missing or different in wide table' as problem
from compared as c
where c.long_value is not null and c.wide_value is distinct from c.long_value

union all

select c.*, 'wide value neither observed nor filled' as problem
from compared as c
where c.long_value is null and c.wide_value is not null
  {%- if filled_model %}
  and not exists (
      select 1 from {{ filled_model }} as f
      where {{ long_scope }} and f.datetime = c.datetime and f.key = c.key and f.filled and f.value = c.wide_value
  )
  {%- endif %}
{%- endif %}
{% endset %}
{#- skipped while its inputs are those of its last pass (macro unless_inputs_changed) -#}
{{ unless_inputs_changed(body, 'test') }}
{% endtest %}
