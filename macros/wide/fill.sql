{% macro iso_timezone(iso) -%}
  {#- The ISO's prevailing local time zone. Another ISO adds its zone with var `iso_timezones` ({ISO: 'Area/City'}),
      not by editing this macro. -#}
  {%- set zones = {'ERCOT': 'America/Chicago', 'CAISO': 'America/Los_Angeles', 'PJM': 'America/New_York'} -%}
  {%- do zones.update(var('iso_timezones', {})) -%}
  {%- if iso | upper not in zones -%}
    {{ exceptions.raise_compiler_error("no time zone for ISO " ~ iso ~ ": add it to var iso_timezones") }}
  {%- endif -%}
  {{ return(zones[iso | upper]) }}
{%- endmacro %}

{% macro local_year(ts, iso) -%}
  extract(year from timezone('{{ iso_timezone(iso) }}', {{ ts }}))::integer
{%- endmacro %}

{% macro filled_long(relation, key_column, value_column, grain_minutes, iso) -%}
  {#-
    Stage 3 fill rule, in long form, for any Stage 2 dataset:
    - a complete time spine at the dataset's native grain (`grain_minutes`) from its first to its last interval;
    - every key (settlement point / AS product) from its first value on (nothing before it is filled);
    - a run of k consecutive missing intervals is forward-filled with the value before it when
      k * grain < var('ffill_max_gap_minutes') (default 60), otherwise left entirely NULL.
    Output: datetime, key, value, observed (value came from the data), gap_run (id of the run a missing
    interval belongs to), gap_intervals (k for missing intervals), filled, year (local).
  -#}
  {%- set max_gap = var('ffill_max_gap_minutes') -%}
with source as (
    select datetime, {{ key_column }} as key, {{ value_column }} as value
    from {{ relation }}
),

bounds as (
    select min(datetime) as first_interval, max(datetime) as last_interval from source
),

spine as (
    select unnest(generate_series(first_interval, last_interval, interval ({{ grain_minutes }}) minute)) as datetime
    from bounds
),

keys as (
    select key, min(datetime) as first_seen from source where value is not null group by key
),

grid as (
    select spine.datetime, keys.key
    from spine
    inner join keys on spine.datetime >= keys.first_seen
),

joined as (
    select grid.datetime, grid.key, source.value
    from grid
    left join source on source.datetime = grid.datetime and source.key = grid.key
),

runs as (
    select
        *,
        -- each observed value opens a run; the missing intervals after it belong to that run
        count(value) over (partition by key order by datetime rows between unbounded preceding and current row) as run_id
    from joined
),

sized as (
    select
        *,
        count(*) over (partition by key, run_id) - 1 as missing_in_run,
        first_value(value) over (partition by key, run_id order by datetime) as run_value
    from runs
)

select
    datetime,
    key,
    case
        when value is not null then value
        when missing_in_run * {{ grain_minutes }} < {{ max_gap }} then run_value
    end as value,
    value is not null as observed,
    case when value is null then run_id end as gap_run,
    case when value is null then missing_in_run end as gap_intervals,
    value is null and missing_in_run * {{ grain_minutes }} < {{ max_gap }} as filled,
    {{ local_year('datetime', iso) }} as year
from sized
{%- endmacro %}
