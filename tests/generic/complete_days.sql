{% test complete_days(model, grain_minutes, iso, dataset, key_column, datetime_column='datetime', local_column=none) %}
{#- Each key has the expected number of intervals on each local operating day it appears in: 24 h / grain,
    23 h on spring-forward days and 25 h on fall-back days (computed from the time zone, not assumed).
    Failing rows: iso, dataset, day, point, expected and actual intervals. With `local_column` (the local interval
    start) the day is read from it instead of converting every row; on a Stage 2 model keeping day summaries
    (datetime_local, its meta key_column), the counts are the summaries' (main._day_keys), not a read of every row.
    Rows are taken to be unique per key and interval (unique_grain tests that). -#}
{%- set body %}
{%- set tz = iso_timezone(iso) -%}
{%- set day = "cast(" ~ (local_column if local_column else utc_to_local(datetime_column, tz)) ~ " as date)" -%}
{%- set summary = day_summary_model(model, key_column) if local_column == 'datetime_local' and datetime_column == 'datetime' else none -%}
with observed as (
    {%- if summary %}
    -- the rows per local day and key, as the model's day summaries count them (main._day_keys)
    select day, key, row_count as intervals
    from main._day_keys
    where model = {{ sql_literal(summary) }}
    {%- else %}
    select
        {{ day }} as day,
        {{ key_column }} as key,
        count(*) as intervals
    from {{ model }}
    group by 1, 2
    {%- endif %}
),

expected as (
    select
        day,
        key,
        intervals,
        ({{ seconds_between(local_to_utc('cast(day + 1 as timestamp)', tz, 'false'), local_to_utc('cast(day as timestamp)', tz, 'false')) }}
            / 60 / {{ grain_minutes }})::integer as expected_intervals
    from observed
)

select
    '{{ iso }}' as iso,
    '{{ dataset }}' as dataset,
    day,
    key as point,
    expected_intervals,
    intervals as actual_intervals
from expected
where intervals <> expected_intervals
{% endset %}
{#- skipped while its inputs are those of its last pass (macro unless_inputs_changed) -#}
{{ unless_inputs_changed(body, 'test') }}
{% endtest %}
