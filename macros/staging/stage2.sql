{% macro stage2_latest(all_rows, value_columns, iso, key_columns=['settlement_point'], points_model=none) -%}
  {#-
    The Stage 2 select shared by every ISO: from an intermediate model holding every landed row (with `version_key`,
    `year`, `_loaded_at`), keep one row per (datetime, key...) - the latest version wins - in the standard columns,
    only for the local days being written (days_to_write_filter). Not sorted: rows arrive in delivery (time)
    order, which compresses as well as a sort (measured: same bytes) without holding a month in memory.
    Two rows of one key in one version (one delivery contradicting itself) are never merged or chosen between:
    both stay, and unique_grain reports them.
    The intermediate model stores the interval start (UTC and local) and interval_minutes; interval_end and
    hour_ending follow from them (standard_time_columns), `iso` is the model's.
    `points_model` adds settlement_type (HUB / ZONE / NODE, default NODE).
  -#}
with landed_rows as (
    select * from {{ all_rows }} where {{ days_to_write_filter() }}
),

{#- Fast path: an interval delivered in one version only (one SCED run, one file) needs no deduplication; only the
    rows of intervals delivered in more than one version (a later SCED run, a re-published file) go through the
    window, per key. Deciding per interval groups a few thousand (interval, version) pairs instead of every key. -#}
contested as (
    select datetime
    from (select distinct datetime, version_key from landed_rows)
    group by datetime
    having count(*) > 1
),

latest as (
    select landed_rows.* from landed_rows {{ anti_join() }} contested using (datetime)
    union all
    (
        select landed_rows.* from landed_rows {{ semi_join() }} contested using (datetime)
        -- rank, not row_number: two rows of the latest version for one key (a delivery that contradicts
        -- itself, or two deliveries the registry cannot order) both stay, and unique_grain fails on them
        qualify rank() over (
            partition by datetime{% for k in key_columns %}, {{ k }}{% endfor %} order by version_key desc
        ) = 1
    )
)

select
    {{ standard_time_columns('p.datetime', 'p.datetime_local', hour_ending_of('p.datetime_local'), 'p.interval_minutes') | indent(4) }},
    '{{ iso }}' as iso,
    {%- for k in key_columns %}
    p.{{ k }},
    {%- endfor %}
    {%- if points_model is not none %}
    coalesce(t.settlement_type, 'NODE') as settlement_type,
    {%- endif %}
    {%- for v in value_columns %}
    p.{{ v }},
    {%- endfor %}
    p.source_file,
    p.year
from latest as p
{%- if points_model is not none %}
left join {{ points_model }} as t using (settlement_point)
{%- endif %}
{%- endmacro %}
