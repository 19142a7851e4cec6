{% macro local_year(ts, iso) -%}
  extract(year from {{ utc_to_local(ts, iso_timezone(iso)) }})::integer
{%- endmacro %}

{% macro fill_gaps(relation, key_column, value_column, grain_minutes, iso) -%}
  {#-
    Stage 3 fill rule, for any Stage 2 dataset: the cells the complete time index adds - every interval at the
    native grain (`grain_minutes`) from the dataset's first to its last interval, for every key (settlement point /
    AS product) from its first value on (nothing before it) - that have no value. A run of k consecutive missing
    intervals is forward-filled with the value before it when k * grain < var('ffill_max_gap_minutes') (default 60),
    otherwise left entirely NULL.
    Built from the gaps, not from a full grid: a key with one value per interval from its first value to the
    dataset's last interval has no gap (one aggregate finds the others); only the other keys' rows go through a
    window (lead) that finds where the next value is more than one interval away, and only those runs are expanded.
    On a Stage 2 model that keeps day summaries (DuckDB), the keys with a gap and the last interval come from the
    summaries, and only those keys' rows are read.
    Output (one row per missing cell): datetime, datetime_local, key, value (filled or NULL), observed (false),
    gap_run (the interval the run follows), gap_intervals (k), filled, year (local).
  -#}
  {%- set max_gap = var('ffill_max_gap_minutes') -%}
  {%- set step = interval_of(grain_minutes, 'minute') -%}
  {%- set summary = day_summary_model(relation, key_column, value_column) -%}
with
{%- if summary %}
-- the keys whose day summaries (main._day_keys, macro day_summary_model) show a missing interval: only their rows
-- are read; a complete key has no gap to find
summary_gaps as (
    select key
    from main._day_keys
    where model = {{ sql_literal(summary) }}
    group by key
    having sum(value_count) > 0
       and sum(value_count) <> ({{ seconds_between('(select max(last_row) from main._day_keys where model = ' ~ sql_literal(summary) ~ ')', 'min(first_value)') }} / 60 / {{ grain_minutes }})::bigint + 1
),
{%- endif %}
source as (
    select datetime, {{ key_column }} as key, {{ value_column }} as value
    from {{ relation }}
    {%- if summary %}
    where cast(({{ key_column }}) as varchar) in (select key from summary_gaps)
    {%- endif %}
),

bounds as (
    {%- if summary %}
    select max(last_row) as last_interval from main._day_keys where model = {{ sql_literal(summary) }}
    {%- else %}
    select max(datetime) as last_interval from source
    {%- endif %}
),

observed as (
    select datetime, key, value from source where value is not null
),

with_gaps as (
    select key
    from observed
    group by key
    having count(*) <> ({{ seconds_between('(select last_interval from bounds)', 'min(datetime)') }} / 60 / {{ grain_minutes }})::bigint + 1
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
    from observed {{ semi_join() }} with_gaps using (key)
),

runs as (
    -- a run of missing intervals follows each observed value whose successor is more than one interval away
    select
        key,
        datetime as gap_run,
        value as run_value,
        resumes_at,
        ({{ seconds_between('resumes_at', 'datetime') }} / 60 / {{ grain_minutes }})::bigint - 1 as gap_intervals
    from stepped
    where resumes_at > datetime + {{ step }}
),

missing as (
    select
        {{ series_rows('gap_run + ' ~ step, 'resumes_at - ' ~ step, step) }} as datetime,
        key,
        run_value,
        gap_run,
        gap_intervals
    from runs
)

select
    datetime,
    {{ utc_to_local('datetime', iso_timezone(iso)) }} as datetime_local,
    key,
    case when gap_intervals * {{ grain_minutes }} < {{ max_gap }} then run_value end as value,
    false as observed,
    gap_run,
    gap_intervals,
    gap_intervals * {{ grain_minutes }} < {{ max_gap }} as filled,
    {{ local_year('datetime', iso) }} as year
from missing
{%- endmacro %}

{% macro filled_long(relation, gaps, key_column, value_column) -%}
  {#- The Stage 3 series in long form: every observed value of a Stage 2 dataset plus the missing cells of its
      complete time index (`gaps`, a fill_gaps model: forward-filled or NULL). One row per (datetime, key) from each
      key's first value to the dataset's last interval; the PIVOT reads it one local day at a time. -#}
select
    datetime,
    datetime_local,
    {{ key_column }} as key,
    {{ value_column }} as value,
    true as observed,
    cast(null as {{ declared_type('timestamptz') }}) as gap_run,
    cast(null as bigint) as gap_intervals,
    false as filled,
    year
from {{ relation }}
where {{ value_column }} is not null

union all

select datetime, datetime_local, key, value, observed, gap_run, gap_intervals, filled, year
from {{ gaps }}
{%- endmacro %}
