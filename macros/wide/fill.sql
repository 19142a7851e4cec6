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
    - a complete time index at the dataset's native grain (`grain_minutes`) from its first to its last interval;
    - every key (settlement point / AS product) from its first value on (nothing before it is filled);
    - a run of k consecutive missing intervals is forward-filled with the value before it when
      k * grain < var('ffill_max_gap_minutes') (default 60), otherwise left entirely NULL.
    Built from the gaps, not from a full grid: observed rows pass through; one window (lead) finds where each key's
    next value is more than one interval away, and only those runs are expanded. Output: datetime, key, value,
    observed, gap_run (the interval the run follows), gap_intervals (k), filled, year (local).
  -#}
  {%- set max_gap = var('ffill_max_gap_minutes') -%}
  {%- set step = "interval (" ~ grain_minutes ~ ") minute" -%}
with source as (
    select datetime, {{ key_column }} as key, {{ value_column }} as value
    from {{ relation }}
),

bounds as (
    select max(datetime) as last_interval from source
),

observed as (
    select datetime, key, value from source where value is not null
),

stepped as (
    select
        datetime,
        key,
        value,
        coalesce(
            lead(datetime) over (partition by key order by datetime),
            (select last_interval from bounds) + {{ step }}
        ) as resumes_at
    from observed
),

runs as (
    -- a run of missing intervals follows each observed value whose successor is more than one interval away
    select
        key,
        datetime as gap_run,
        value as run_value,
        resumes_at,
        (epoch(resumes_at - datetime) / 60 / {{ grain_minutes }})::bigint - 1 as gap_intervals
    from stepped
    where resumes_at > datetime + {{ step }}
),

missing as (
    select
        unnest(generate_series(gap_run + {{ step }}, resumes_at - {{ step }}, {{ step }})) as datetime,
        key,
        run_value,
        gap_run,
        gap_intervals
    from runs
)

select
    datetime,
    key,
    value,
    true as observed,
    cast(null as timestamptz) as gap_run,
    cast(null as bigint) as gap_intervals,
    false as filled,
    {{ local_year('datetime', iso) }} as year
from observed

union all

select
    datetime,
    key,
    case when gap_intervals * {{ grain_minutes }} < {{ max_gap }} then run_value end as value,
    false as observed,
    gap_run,
    gap_intervals,
    gap_intervals * {{ grain_minutes }} < {{ max_gap }} as filled,
    {{ local_year('datetime', iso) }} as year
from missing
{%- endmacro %}
