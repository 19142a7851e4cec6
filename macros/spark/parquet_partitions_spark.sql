{#-
  Materialization `parquet_partitions` on Spark: the same config (`location`, `partition_by`, `changed_from`,
  `days_from`) and the same layout as DuckDB's (hive partitions `year=YYYY/` of parquet under `location`, zstd),
  written by Spark as an external table at that location. Spark names its files `part-*.parquet`, and a model with
  `partition_by: []` is a folder of part files where DuckDB writes one file. The warehouse relation is the table
  itself, so `ref()` downstream reads it.

  What a build writes is spark_write_plan's answer (spark_write_plan.sql): the whole model (drop, then CREATE TABLE
  AS SELECT in static overwrite mode, which replaces everything under `location`), or only the year partitions that
  changed (INSERT OVERWRITE ... PARTITION (year = YYYY) for each: the other years' files are not touched), or
  nothing. The model's SQL is the same either way (`days_to_write_filter()` is `true` on Spark): the year filter is
  applied to its result, so a rewritten year holds exactly what a full build would write there. `_day`, the local day
  a day-unit model computes for DuckDB's day files, is not written (as on DuckDB).
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
  {%- set described = spark_described_columns(select_view) | rejectattr(0, 'equalto', '_day') | list -%}
  {%- set columns = described | rejectattr(0, 'in', partition_by) | list -%}
  {%- for c in partition_by -%}{%- do columns.extend(described | selectattr(0, 'equalto', c) | list) -%}{%- endfor -%}
  {%- set quoted = [] -%}
  {%- for name, type in columns -%}{%- do quoted.append(adapter.quote(name)) -%}{%- endfor -%}
  {%- set plan = spark_write_plan(model, config, existing, columns, partition_by, flags.FULL_REFRESH) -%}
  {%- do log(this ~ ': ' ~ ('full' if plan.full else (plan.years | length) ~ ' year(s)') ~ ': ' ~ plan.why | join('; ')) -%}

  {%- if plan.full -%}
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
      as select {{ quoted | join(', ') }} from {{ select_view }}
    {%- endcall %}
    {%- set years = [] -%}
    {%- if partition_by[:1] == ['year'] -%}
      {%- for r in run_query('show partitions ' ~ target_relation).rows -%}
        {%- set y = r[0].split('/')[0].split('=')[1] | int -%}
        {%- if y not in years -%}{%- do years.append(y) -%}{%- endif -%}
      {%- endfor -%}
    {%- endif -%}
  {%- else -%}
    {%- set years = plan.years -%}
    {#- one statement per year, the partition named: only that folder is replaced, whatever the session's
        partitionOverwriteMode (a dynamic overwrite with the session setting would race other threads' CTAS) -#}
    {%- for y in years %}
    {% call statement('main' if loop.last else 'year_' ~ y) -%}
      insert overwrite table {{ target_relation }}
      partition ({{ adapter.quote('year') }} = {{ y }}{% for c in partition_by[1:] %}, {{ adapter.quote(c) }}{% endfor %})
      select {{ (quoted[:quoted | length - partition_by | length] + quoted[quoted | length - partition_by | length + 1:]) | join(', ') }}
      from {{ select_view }} where {{ adapter.quote('year') }} = {{ y }}
    {%- endcall %}
    {%- endfor %}
    {%- if not years %}
    {% call statement('main') -%}
      select 1 as nothing_to_write
    {%- endcall %}
    {%- endif %}
  {%- endif -%}

  {%- set properties = plan.properties -%}
  {%- for y in years -%}{%- do properties.update({'iso.written.' ~ y: properties['iso.built_at']}) -%}{%- endfor -%}
  {%- set pairs = [] -%}
  {%- for k, v in properties | dictsort -%}{%- do pairs.append(sql_literal(k) ~ ' = ' ~ sql_literal(v)) -%}{%- endfor -%}
  {%- do run_query('alter table ' ~ target_relation ~ ' set tblproperties (' ~ pairs | join(', ') ~ ')') -%}
  {% call statement('drop_select_view') -%}
    drop view if exists {{ select_view }}
  {%- endcall %}

  {{ run_hooks(post_hooks) }}
  {{ return({'relations': [target_relation]}) }}
{% endmaterialization %}
