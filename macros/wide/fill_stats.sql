{% macro fill_stats(filled_relation, dataset) -%}
  {#- Per column of a Stage 3 table: observed, filled and NULL cells, and how many gaps were filled / left NULL. -#}
select
    '{{ dataset }}' as dataset,
    key as column_name,
    count(*) as cells,
    count(*) filter (where observed) as observed_cells,
    count(*) filter (where filled) as filled_cells,
    count(*) filter (where value is null) as null_cells,
    count(distinct gap_run) filter (where filled) as filled_gaps,
    count(distinct gap_run) filter (where not observed and not filled) as unfilled_gaps,
    min(datetime) as first_interval,
    max(datetime) as last_interval
from {{ filled_relation }}
group by key
{%- endmacro %}
