{#-
  Materialization `parquet_partitions` on Spark: the same config (`location`, `partition_by`) and the same layout
  as DuckDB's (hive partitions `year=YYYY/` of parquet under `location`, zstd), written by Spark as an external table
  at that location. Spark names its files `part-*.parquet`, and a model with `partition_by: []` is a folder of part
  files where DuckDB writes one file. The warehouse relation is the table itself, so `ref()` downstream reads it.

  Every build rewrites the whole model (drop, then CREATE TABLE AS SELECT in static overwrite mode, which replaces
  everything under `location`): the day plans of the DuckDB materialization (changed_from / days_from, export state,
  verification marks) are DuckDB-only; on Spark `days_to_write_filter()` is `true`. `_day`, the local day a day-unit
  model computes for DuckDB's day files, is not written (as on DuckDB).
-#}

{% materialization parquet_partitions, adapter='spark' %}
  {%- set location = config.require('location') -%}
  {%- set partition_by = config.get('partition_by', ['year']) -%}
  {%- set target_relation = this.incorporate(type='table') -%}
  {%- set existing = load_cached_relation(this) -%}
  {%- set select_view = adapter.quote(this.schema ~ '__' ~ this.identifier ~ '__select') -%}  {#- temporary views are the session's: unique across schemas and threads -#}

  {{ run_hooks(pre_hooks) }}

  {% call statement('select_view') -%}
    create or replace temporary view {{ select_view }} as {{ sql }}
  {%- endcall %}
  {%- set columns = [] -%}
  {%- for r in run_query('describe ' ~ select_view).rows -%}
    {%- if r[0] != '_day' and not r[0].startswith('#') and r[0] | trim != '' -%}
      {%- do columns.append(adapter.quote(r[0])) -%}
    {%- endif -%}
  {%- endfor -%}
  {%- if existing is not none -%}
    {{ adapter.drop_relation(existing) }}
  {%- endif -%}

  {% call statement('main') -%}
    create table {{ target_relation }}
    using parquet
    {%- if partition_by | length > 0 %}
    partitioned by ({% for c in partition_by %}{{ adapter.quote(c) }}{{ ', ' if not loop.last }}{% endfor %})
    {%- endif %}
    location {{ sql_literal(location) }}
    as select {{ columns | join(', ') }} from {{ select_view }}
  {%- endcall %}
  {% call statement('drop_select_view') -%}
    drop view if exists {{ select_view }}
  {%- endcall %}

  {{ run_hooks(post_hooks) }}
  {{ return({'relations': [target_relation]}) }}
{% endmaterialization %}
