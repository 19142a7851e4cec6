{% macro stage2_latest(all_rows, value_columns, key_columns=['settlement_point'], points_model=none) -%}
  {#-
    The Stage 2 select shared by every ISO: from an intermediate model holding every landed row (with `version_key`,
    `year`, `_loaded_at`), keep one row per (datetime, key...) - the latest version wins - in the standard columns,
    only for the partitions this run rewrites (changed_partitions), sorted for parquet row-group pruning.
    `points_model` adds settlement_type (HUB / ZONE / NODE, default NODE).
  -#}
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
from {{ all_rows }} as p
{%- if points_model is not none %}
left join {{ points_model }} as t using (settlement_point)
{%- endif %}
where {{ changed_partitions() }}
qualify row_number() over (
    partition by p.year, p.datetime{% for k in key_columns %}, p.{{ k }}{% endfor %} order by p.version_key desc
) = 1
order by p.datetime{% for k in key_columns %}, p.{{ k }}{% endfor %}
{%- endmacro %}
