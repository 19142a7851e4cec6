{% test hourly_aggregates_match(model, rt_model, value_column, prefix='RT', tolerance=0.000001, iso=none) %}
{#- Aggregation accuracy: recompute <prefix>_AVG/MAX/MIN/STD_<point> of `model` independently from the RT intervals
    (sum / count, and the two-pass sample variance) and compare. Failing rows: datetime, column, expected, actual.
    With `iso` (`model` is written one day at a time: hourly_stats), an incremental run compares only the local days
    not yet verified (unverified_days_filter): the hourly rows by the local day of `datetime`, the intervals by
    their `datetime_local`. -#}
{%- set body %}
{%- set hourly_scope = unverified_days_filter(model, utc_to_local('datetime', iso_timezone(iso)), 'datetime') if iso else 'true' -%}
{%- set rt_scope = unverified_days_filter(model, 'datetime_local') if iso else 'true' -%}
{%- set stat_columns = [] -%}
{%- set points = [] -%}
{%- for c in relation_columns(model) -%}
  {%- if modules.re.match('^' ~ prefix ~ '_(AVG|MAX|MIN|STD)_', c) -%}
    {%- do stat_columns.append(c) -%}
    {%- set p = modules.re.sub('^' ~ prefix ~ '_(AVG|MAX|MIN|STD)_', '', c) -%}
    {%- if p not in points -%}{%- do points.append(p) -%}{%- endif -%}
  {%- endif -%}
{%- endfor -%}
{%- if execute and stat_columns | length == 0 %}
{#- no RT columns: there must be no RT data to aggregate -#}
select datetime, settlement_point as column_name, {{ value_column }} as expected, null as actual
from {{ rt_model }} where false
{%- else %}
with stats as (
    select datetime{% for c in stat_columns %}, {{ adapter.quote(c) }}{% endfor %} from {{ model }}
    where {{ hourly_scope }}
),

wide as (
    {%- set quoted = [] -%}{%- for c in stat_columns -%}{%- do quoted.append(adapter.quote(c)) -%}{%- endfor %}
    {{ unpivot_columns('stats', quoted, 'column_name', 'actual') }}
),

parsed as (
    select
        datetime,
        column_name,
        regexp_extract(column_name, '^{{ prefix }}_(AVG|MAX|MIN|STD)_', 1) as stat,
        regexp_replace(column_name, '^{{ prefix }}_(AVG|MAX|MIN|STD)_', '') as point,
        actual
    from wide
),

rt as (
    select
        date_trunc('hour', datetime) as datetime,
        settlement_point as point,
        {{ value_column }} as v
    from {{ rt_model }}
    where {{ value_column }} is not null and {{ rt_scope }}
      -- only the points the model aggregates (hubs and zones by default, not every node)
      and settlement_point in ({% for p in points %}{{ sql_string(p) }}{{ ', ' if not loop.last }}{% endfor %})
),

means as (
    select datetime, point, sum(v) / count(v) as mean, count(v) as n, max(v) as hi, min(v) as lo
    from rt group by 1, 2
),

spread as (
    select rt.datetime, rt.point, sqrt(sum((rt.v - m.mean) * (rt.v - m.mean)) / nullif(m.n - 1, 0)) as sd
    from rt join means as m using (datetime, point)
    group by rt.datetime, rt.point, m.n
),

expected as (
    select
        p.datetime, p.column_name, p.actual,
        case p.stat when 'AVG' then m.mean when 'MAX' then m.hi when 'MIN' then m.lo else s.sd end as expected
    from parsed as p
    left join means as m on m.datetime = p.datetime and m.point = p.point
    left join spread as s on s.datetime = p.datetime and s.point = p.point
)

select datetime, column_name, expected, actual
from expected
where (expected is null) <> (actual is null)
   or abs(expected - actual) > {{ tolerance }} * greatest(1, abs(expected))
{%- endif %}
{% endset %}
{#- skipped while its inputs are those of its last pass (macro unless_inputs_changed) -#}
{{ unless_inputs_changed(body, 'test') }}
{% endtest %}
