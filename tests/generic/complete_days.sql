{% test complete_days(model, grain_minutes, iso, dataset, key_column, datetime_column='datetime') %}
{#- Each key has the expected number of intervals on each local operating day it appears in: 24 h / grain,
    23 h on spring-forward days and 25 h on fall-back days (computed from the time zone, not assumed).
    Failing rows: iso, dataset, day, point, expected and actual intervals. -#}
{%- set tz = iso_timezone(iso) -%}
with observed as (
    select
        timezone('{{ tz }}', {{ datetime_column }})::date as day,
        {{ key_column }} as key,
        count(distinct {{ datetime_column }}) as intervals
    from {{ model }}
    group by 1, 2
),

expected as (
    select
        day,
        key,
        intervals,
        (epoch(timezone('{{ tz }}', cast(day + 1 as timestamp)) - timezone('{{ tz }}', cast(day as timestamp)))
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
{% endtest %}
