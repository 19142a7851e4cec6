{% test no_time_gaps(model, grain_minutes, iso, dataset, key_column=none, datetime_column='datetime', through_end_of_day=true) %}
{#- Every key (settlement point / product; or the dataset as a whole when key_column is none) has a value at
    every interval of the dataset's spine: from its first interval to the end of the last local operating day in
    the data, so a truncated last day shows as a gap at the end (`through_end_of_day: false`: to the last
    interval, for tables whose index is defined as first..last interval). Failing rows: one per gap (a run of missing
    intervals) with its start, end and length.
    Built from the gaps, not from a spine x keys grid: a key with one row per interval of its span is complete
    (one aggregate); only the other keys' rows are ordered to find where each gap starts and ends. Rows are taken
    to lie on the grain and to be unique per key (unique_grain tests that). -#}
{%- set body %}
{%- set tz = iso_timezone(iso) -%}
{%- set key = key_column if key_column else "'(all)'" -%}
{%- set step = interval_of(grain_minutes, 'minute') -%}
{%- set summary = day_summary_model(model, key_column) if key_column and datetime_column == 'datetime' else none -%}
{%- set newest = 'max(last_row)' if summary else 'max(datetime)' -%}
{#- the last interval of the spine: the end of the newest local day, or the newest interval -#}
{%- if through_end_of_day -%}
{%- set last_interval = local_to_utc("cast(cast(" ~ utc_to_local(newest, tz) ~ " as date) + 1 as timestamp)", tz, 'false') ~ ' - ' ~ step -%}
{%- else -%}
{%- set last_interval = newest -%}
{%- endif %}
with
{%- if summary %}
bounds as (
    select {{ last_interval }} as last_interval
    from main._day_keys
    where model = {{ sql_literal(summary) }}
),

-- the keys whose day summaries (main._day_keys) miss an interval: only their rows are read
summary_incomplete as (
    select key
    from main._day_keys
    where model = {{ sql_literal(summary) }}
    group by key
    having sum(row_count) <> ({{ seconds_between('(select last_interval from bounds)', 'min(first_row)') }} / 60 / {{ grain_minutes }})::bigint + 1
),

observed as (
    select {{ datetime_column }} as datetime, {{ key }} as key from {{ model }}
    where cast(({{ key }}) as varchar) in (select key from summary_incomplete)
),
{%- else %}
observed as (
    {%- if key_column %}
    select {{ datetime_column }} as datetime, {{ key }} as key from {{ model }}
    {%- else %}
    select distinct {{ datetime_column }} as datetime, {{ key }} as key from {{ model }}
    {%- endif %}
),

bounds as (
    select {{ last_interval }} as last_interval from observed
),
{%- endif %}

keys as (
    select key, min(datetime) as first_seen, count(*) as intervals from observed group by key
),

incomplete as (
    -- from each key's first interval on: a point that appears later is not missing before it appeared
    select key
    from keys, bounds
    where intervals <> ({{ seconds_between('last_interval', 'first_seen') }} / 60 / {{ grain_minutes }})::bigint + 1
),

stepped as (
    select
        key,
        datetime,
        coalesce(lead(datetime) over (partition by key order by datetime), (select last_interval from bounds) + {{ step }}) as resumes_at
    from observed {{ semi_join() }} incomplete using (key)
)

select
    '{{ iso }}' as iso,
    '{{ dataset }}' as dataset,
    key as point,
    cast({{ utc_to_local('datetime + ' ~ step, tz) }} as date) as day,
    datetime + {{ step }} as gap_start,
    resumes_at as gap_end,
    ({{ seconds_between('resumes_at', 'datetime') }} / 60 / {{ grain_minutes }})::bigint - 1 as missing_intervals
from stepped
where resumes_at > datetime + {{ step }}
{% endset %}
{#- skipped while its inputs are those of its last pass (macro unless_inputs_changed) -#}
{{ unless_inputs_changed(body, 'test') }}
{% endtest %}
