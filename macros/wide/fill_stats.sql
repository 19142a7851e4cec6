{% macro fill_stats(filled_relation, dataset, long_model=none, gaps_model=none) -%}
  {#- Per column of a Stage 3 table: observed, filled and NULL cells, and how many gaps were filled / left NULL.
      With `long_model` (the Stage 2 model) and `gaps_model` (its fill_gaps table; not given: the filled model's
      inputs, found in the graph) on a warehouse that keeps the
      Stage 2 day summaries (main._day_keys, summarized_relation): the observed cells from the summary and the rest
      from the gaps table, so a new day does not read a year of rows; otherwise from `filled_relation` (filled_long),
      every row. Both give the same rows (tested). -#}
  {%- set found = filled_inputs(filled_relation) if long_model is none or gaps_model is none else {} -%}
  {%- set long_model, gaps_model = long_model or found.get('long'), gaps_model or found.get('gaps') -%}
  {%- if long_model is not none and gaps_model is not none and summarized_relation(long_model) -%}
select * from (
with observed as (
    select
        key,
        sum(value_count)::bigint as observed_cells,
        min(first_value) as first_interval,
        max(last_value) as last_interval
    from main._day_keys
    where model = {{ sql_literal(long_model | string) }}
    group by key
    having sum(value_count) > 0
),

missing as (
    select
        cast(key as varchar) as key,
        count(*) as cells,
        count(*) filter (where filled) as filled_cells,
        count(*) filter (where value is null) as null_cells,
        count(distinct gap_run) filter (where filled) as filled_gaps,
        count(distinct gap_run) filter (where not filled) as unfilled_gaps,
        min(datetime) as first_interval,
        max(datetime) as last_interval
    from {{ gaps_model }}
    group by 1
)

select
    '{{ dataset }}' as dataset,
    o.key as column_name,
    o.observed_cells + coalesce(m.cells, 0) as cells,
    o.observed_cells,
    coalesce(m.filled_cells, 0) as filled_cells,
    coalesce(m.null_cells, 0) as null_cells,
    coalesce(m.filled_gaps, 0) as filled_gaps,
    coalesce(m.unfilled_gaps, 0) as unfilled_gaps,
    least(o.first_interval, coalesce(m.first_interval, o.first_interval)) as first_interval,
    greatest(o.last_interval, coalesce(m.last_interval, o.last_interval)) as last_interval
from observed as o
left join missing as m using (key)
) as summarized
  {%- else -%}
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
  {%- endif %}
{%- endmacro %}

{% macro filled_inputs(filled_relation) -%}
  {#- The inputs of a filled_long model, found in the graph (so a caller's lineage keeps one edge per Stage 3 dataset):
      {'long': its Stage 2 parquet model, 'gaps': its fill_gaps table, 'key_column': the Stage 2 model's meta
      key_column}, each none when not found (a unit test, a string, a relation that is no model). -#}
  {%- set nodes = graph.get('nodes') if execute and graph is mapping else none -%}
  {%- set found = {'long': none, 'gaps': none, 'key_column': none} -%}
  {%- if nodes and filled_relation is not string and filled_relation.identifier is defined -%}
    {%- for node in nodes.values() if node.resource_type == 'model' and node.alias == filled_relation.identifier
          and node.schema == filled_relation.schema -%}
      {%- for dep in node.depends_on.nodes if dep in nodes -%}
        {%- set d = nodes[dep] -%}
        {%- if found.long is none and d.config.materialized == 'parquet_partitions' -%}
          {%- do found.update({'long': node_relation(d), 'key_column': d.config.get('meta', {}).get('key_column')}) -%}
        {%- elif found.gaps is none and d.name.endswith('_gaps') -%}{%- do found.update({'gaps': node_relation(d)}) -%}
        {%- endif -%}
      {%- endfor -%}
    {%- endfor -%}
  {%- endif -%}
  {{ return(found) }}
{%- endmacro %}
