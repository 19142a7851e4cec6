{#- Stage 4 combinations, one macro each, identical for every ISO: a model is a config line and one call. -#}

{% macro da_as_combined(iso, da, as_, points_model) -%}
  {#- Hourly: datetime | DA_<point>... | AS_<product>... on a complete hourly spine covering both inputs. -#}
  {%- set points = combined_points(points_model, relation_columns(da)) -%}
  {%- set products = relation_columns(as_) -%}
with hours as (
    {{ hourly_spine([da, as_], iso) }}
)

select
    hours.datetime,
    {{- prefixed('da', points, 'DA_') }}
    {{- prefixed('a', products, 'AS_') }}
    {{ local_year('hours.datetime', iso) }} as year
from hours
left join {{ da }} as da on da.datetime = hours.datetime
left join {{ as_ }} as a on a.datetime = hours.datetime
order by hours.datetime
{%- endmacro %}

{% macro hourly_stats(rt, points_model, value_column, prefix='RT', stats=['AVG', 'MAX', 'MIN', 'STD']) -%}
  {#- A day-unit model (config `days_from` the Stage 2 model `rt`): per UTC hour, `<prefix>_<STAT>_<point>` (avg, max,
      min, sample std deviation) over the intervals of `rt` (observed values) starting inside it, for the combined
      points (var combined_settlement_types) `rt` has, and the local `year` (of its intervals: an hour lies inside
      one local day); written one local day at a time, so a new day aggregates that day's rows, not the history.
      Read by da_as_rt_hourly (the RT statistics) and all_markets (the extra markets' means). -#}
  {%- set points = combined_points(points_model, distinct_keys(rt, 'settlement_point')) -%}
  {%- set fns = {'AVG': 'avg', 'MAX': 'max', 'MIN': 'min', 'STD': 'stddev_samp'} -%}
select
    {{ hour_start('datetime') }} as datetime,
    {%- for stat in stats %}
    {%- for p in points %}
    {{ fns[stat] }}({{ value_column }}) filter (where settlement_point = {{ sql_string(p) }})
        as {{ adapter.quote(prefix ~ '_' ~ stat ~ '_' ~ p) }},
    {%- endfor %}
    {%- endfor %}
    min(year) as year
from {{ rt }}
where settlement_point in ({% for p in points %}{{ sql_string(p) }}{{ ', ' if not loop.last }}{% else %}null{% endfor %})
  and {{ days_to_write_filter() }}
group by {{ hour_start('datetime') }}
{%- endmacro %}

{% macro da_as_rt_hourly(combined, rt_stats) -%}
  {#- `combined` plus the RT statistics RT_AVG/MAX/MIN/STD_<point> of the hourly_stats model `rt_stats` (observed
      Stage 2 values of the intervals starting inside each hour), NULL in hours without RT intervals. -#}
select
    c.datetime,
    {%- for col in relation_columns(combined) %}
    c.{{ adapter.quote(col) }},
    {%- endfor %}
    {%- for col in relation_columns(rt_stats) %}
    rt.{{ adapter.quote(col) }},
    {%- endfor %}
    c.year
from {{ combined }} as c
left join {{ rt_stats }} as rt on rt.datetime = c.datetime
order by c.datetime
{%- endmacro %}

{% macro da_as_rt_native(combined, rt_flat, points_model) -%}
  {#- At the RT grain: datetime | DA_<point> | AS_<product> | RT_<point> (Stage 3 RT, filled). DA and AS come from
      the hour containing `datetime` by ASOF join; outside the hourly table's range they are NULL, never a stale hour. -#}
  {%- set points = combined_points(points_model, relation_columns(rt_flat)) -%}
select
    rt.datetime,
    {%- for col in relation_columns(combined) %}
    case when rt.datetime < c.datetime + interval 1 hour then c.{{ adapter.quote(col) }} end as {{ adapter.quote(col) }},
    {%- endfor %}
    {{- prefixed('rt', points, 'RT_') }}
    rt.year
from {{ rt_flat }} as rt
{{ hour_containing_join(combined, 'c', 'rt.datetime') }}
order by rt.datetime
{%- endmacro %}

{% macro all_markets(hourly, extra_markets) -%}
  {#- Every market side by side, hourly: `hourly` (DA, AS, RT statistics) plus, for each (hourly_stats relation,
      prefix) in `extra_markets`, <prefix>_<point> = that market's hourly mean (its column <prefix>_AVG_<point>). -#}
  {%- set extras = [] -%}
  {%- for rel, prefix in extra_markets -%}
    {%- set points = [] -%}
    {%- for c in relation_columns(rel) if c.startswith(prefix ~ '_AVG_') -%}{%- do points.append(c[prefix | length + 5:]) -%}{%- endfor -%}
    {%- do extras.append((rel, prefix, points)) -%}
  {%- endfor -%}
select
    h.datetime,
    {%- for col in relation_columns(hourly) %}
    h.{{ adapter.quote(col) }},
    {%- endfor %}
    {%- for rel, prefix, points in extras %}
    {%- set outer = loop.index %}
    {%- for p in points %}
    market_{{ outer }}.{{ adapter.quote(prefix ~ '_AVG_' ~ p) }} as {{ adapter.quote(prefix ~ '_' ~ p) }},
    {%- endfor %}
    {%- endfor %}
    h.year
from {{ hourly }} as h
{%- for rel, prefix, points in extras %}
left join {{ rel }} as market_{{ loop.index }} on market_{{ loop.index }}.datetime = h.datetime
{%- endfor %}
order by h.datetime
{%- endmacro %}

{% macro monthly_split(yearly, iso) -%}
  {#- A yearly combination with the local month added, for partition_by ['year', 'month']. -#}
select
    *,
    extract(month from {{ utc_to_local('datetime', iso_timezone(iso)) }})::integer as month
from {{ yearly }}
{%- endmacro %}

{% macro hour_containing_join(hourly, alias, instant) -%}
  {#- Join each row to the row of `hourly` (a table with one row per UTC hour start, `datetime`) whose hour is the
      latest starting at or before `instant` (DuckDB: ASOF JOIN); the caller nulls what lies outside that hour. -#}
  {{ return(adapter.dispatch('hour_containing_join')(hourly, alias, instant)) }}
{%- endmacro %}

{% macro default__hour_containing_join(hourly, alias, instant) -%}
asof left join {{ hourly }} as {{ alias }} on {{ instant }} >= {{ alias }}.datetime
{%- endmacro %}
