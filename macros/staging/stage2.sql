{% macro stage2_latest(all_rows, value_columns, key_columns=['settlement_point'], points_model=none) -%}
  {#-
    The Stage 2 select shared by every ISO: from an intermediate model holding every landed row (with `version_key`,
    `year`, `_loaded_at`), keep one row per (datetime, key...) - the latest version wins - in the standard columns,
    only for the partitions this run rewrites (changed_partitions), sorted for parquet row-group pruning.
    `points_model` adds settlement_type (HUB / ZONE / NODE, default NODE).
  -#}
with landed_rows as (
    select * from {{ all_rows }} where {{ changed_partitions() }}
),

{#- Fast path: most keys are delivered once; only keys with competing rows go through the window. -#}
competing as (
    select year, datetime{% for k in key_columns %}, {{ k }}{% endfor %}
    from landed_rows
    group by all
    having count(*) > 1
),

latest as (
    select landed_rows.* from landed_rows anti join competing using (year, datetime{% for k in key_columns %}, {{ k }}{% endfor %})
    union all
    (
        select landed_rows.* from landed_rows semi join competing using (year, datetime{% for k in key_columns %}, {{ k }}{% endfor %})
        qualify row_number() over (
            partition by year, datetime{% for k in key_columns %}, {{ k }}{% endfor %} order by version_key desc
        ) = 1
    )
)

select
    p.datetime,
    p.interval_end,
    p.datetime_local,
    p.hour_ending,
    p.interval_minutes,
    p.iso,
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
order by p.datetime{% for k in key_columns %}, p.{{ k }}{% endfor %}
{%- endmacro %}
