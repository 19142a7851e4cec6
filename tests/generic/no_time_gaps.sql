{% test no_time_gaps(model, grain_minutes, iso, dataset, key_column=none, datetime_column='datetime', through_end_of_day=true) %}
{#- Every key (settlement point / product; or the dataset as a whole when key_column is none) has a value at
    every interval of the dataset's spine: from its first interval to the end of the last local operating day in
    the data, so a truncated last day shows as a gap at the end (`through_end_of_day: false`: to the last
    interval, for tables whose index is defined as first..last interval). Failing rows: one per gap (a run of missing
    intervals) with its start, end and length. -#}
{%- set tz = iso_timezone(iso) -%}
{%- set key = key_column if key_column else "'(all)'" -%}
with observed as (
    select {{ datetime_column }} as datetime, {{ key }} as key from {{ model }}
),

bounds as (
    select
        min(datetime) as first_interval,
        {% if through_end_of_day -%}
        timezone('{{ tz }}', cast(max(timezone('{{ tz }}', datetime))::date + 1 as timestamp))
            - interval ({{ grain_minutes }}) minute as last_interval
        {%- else -%}
        max(datetime) as last_interval
        {%- endif %}
    from observed
),

spine as (
    select unnest(generate_series(first_interval, last_interval, interval ({{ grain_minutes }}) minute)) as datetime
    from bounds
),

keys as (
    select key, min(datetime) as first_seen from observed group by key
),

expected as (
    -- from each key's first interval on: a point that appears later is not missing before it appeared
    select spine.datetime, keys.key
    from spine inner join keys on spine.datetime >= keys.first_seen
),

missing as (
    select e.datetime, e.key
    from expected as e
    anti join observed as o on o.datetime = e.datetime and o.key = e.key
),

runs as (
    select
        *,
        datetime - interval ({{ grain_minutes }}) minute * row_number() over (partition by key order by datetime) as run
    from missing
)

select
    '{{ iso }}' as iso,
    '{{ dataset }}' as dataset,
    key as point,
    timezone('{{ tz }}', min(datetime))::date as day,
    min(datetime) as gap_start,
    max(datetime) + interval ({{ grain_minutes }}) minute as gap_end,
    count(*) as missing_intervals
from runs
group by key, run
{% endtest %}
