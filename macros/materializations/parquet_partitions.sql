{#-
  Materialization `parquet_partitions`: the model's SELECT is written with DuckDB COPY (streaming, no intermediate
  table) to hive-partitioned parquet under config `location`, zstd; the relation in the warehouse is a view over
  the files, so `ref()` downstream reads the parquet.

  config:
    location       folder (partitioned) or file (partition_by: []) to write
    partition_by   list of column names, default ['year']
    changed_from   Stage 2: an upstream model with columns `datetime_local` and `_loaded_at` (every landed row).
    days_from      Stage 3: an upstream model written one day at a time (a `changed_from` model).

  With `changed_from` or `days_from` the unit of rewrite is the local operating day: every `year=YYYY/` folder
  holds one file per day, `data_YYYYMMDD.parquet`, written by one COPY per day (the model filters with
  `where {{ changed_partitions() }}`, which the materialization narrows to each day in turn); with config
  `file_unit: month` (Stage 3's wide tables, where a file costs per column) one file per month, `data_YYYYMM.parquet`:
  the changed days are computed once and merged with the month's other days from its existing file. A run rewrites only:
    changed_from   the days that received rows since the last export;
    days_from      the days the upstream model rewrote since the last export, with `fill_margin_days()` days on
                   each side (the fill rule reaches that far), the days of the upstream's range that have no file
                   yet, and the last day of the previous range when the range grew (its trailing gaps change).
  Everything is rewritten on --full-refresh, on a first run, when files are missing or of an older layout, after a
  full export upstream (days_from) and when the model's columns changed (a new settlement point is a new column
  of every day). The days each run wrote are logged in `main._export_days`; the on-run-end hook record_verified
  marks them verified once every test of the model passed, and tests given a `local_column` check only the days
  not yet verified (unverified_days_filter). The plan and the state macros are in day_plan.sql, the verification
  ones in verification.sql.
-#}

{% macro log_exported_days(plan) -%}
  {#- Which local days this run wrote; a full export starts the log afresh (unverified). -#}
  {%- if plan.full -%}
    delete from main._export_days where model = '{{ this }}';
    update main._export_state set verified_at = null where model = '{{ this }}';
  {%- endif -%}
  {%- if plan.days | length > 0 -%}
    insert into main._export_days (model, day, exported_at)
    select '{{ this }}', unnest([{{ sql_date_list(plan.days) }}]), now();
  {%- endif -%}
  select 1
{%- endmacro %}

{% materialization parquet_partitions, adapter='duckdb' %}
  {%- set location = config.require('location') -%}
  {%- set partition_by = config.get('partition_by', ['year']) -%}
  {%- set partitioned = partition_by | length > 0 -%}
  {%- set by_day = config.get('changed_from') is not none or config.get('days_from') is not none -%}
  {%- set target_relation = this.incorporate(type='view') -%}
  {%- set existing = load_cached_relation(this) -%}

  {{ run_hooks(pre_hooks, inside_transaction=False) }}
  {{ run_hooks(pre_hooks, inside_transaction=True) }}

  {%- if partitioned -%}
    {%- do run_query("select iso_mkdirs(" ~ sql_literal(location) ~ ")") -%}
  {%- else -%}
    {%- do run_query("select iso_mkdirs(parse_dirpath(" ~ sql_literal(location) ~ "))") -%}
  {%- endif -%}
  {%- set plan = partition_plan(sql) -%}

  {%- set scratch = location ~ '.writing' -%}
  {% call statement('main') -%}
    {%- if by_day and config.get('file_unit', 'day') == 'month' -%}
      {#- one file per local month (file_unit 'month', Stage 3: a wide file has one column chunk per settlement
          point, so a month in one file costs what a day does): for each month touched, the SQL runs once for its days
          to rewrite into a temporary table (with their local `_day`), and the month's file is written from those rows
          plus, unless this is a full export, the other days' rows of the month's existing file. -#}
      {%- set tz = iso_timezone(config.get('meta', {}).get('iso')) -%}
      {%- set months = {} -%}
      {%- for day in plan.days -%}{%- do months.setdefault(day[:7], []).append(day) -%}{%- endfor -%}
      {%- set batch_table = '_day_batch_' ~ this.identifier -%}
      {%- set drop = (partition_by + ['_day']) | join(', ') -%}
      select iso_remove_tree({{ sql_literal(scratch) }});
      {%- for month, days in months | dictsort %}
      {%- set name = 'year=' ~ month[:4] ~ '/data_' ~ month | replace('-', '') ~ '.parquet' %}
      {%- set keep_old = not plan.full and parquet_files_exist(location ~ '/' ~ name, false) %}
      {#- a month at a time: memory holds one month of the wide table, however long the history -#}
      create or replace temp table {{ batch_table }} as {{ day_sql(sql, days) }};
      select iso_mkdirs({{ sql_literal(scratch ~ '/year=' ~ month[:4]) }});
      copy (
          select * exclude ({{ drop }}) from {{ batch_table }}
          {%- if keep_old %}
          union all by name
          select * from read_parquet({{ sql_literal(location ~ '/' ~ name) }}, hive_partitioning = false)
          where cast(timezone('{{ tz }}', datetime) as date) not in ({{ sql_date_list(days) }})
          {%- endif %}
          order by datetime
      ) to {{ sql_literal(scratch ~ '/' ~ name) }} (format parquet, compression zstd);
      drop table {{ batch_table }};
      {%- endfor %}
      select iso_publish_day_files({{ sql_literal(scratch) }}, {{ sql_literal(location) }}, {{ 'true' if plan.full else 'false' }}) as files
    {%- elif by_day -%}
      {#- one COPY per local day into a scratch folder (much faster than one COPY partitioned by day: measured
          1.9 s vs 7.3 s for a month of SCED rows), then iso_publish_day_files moves each day's file into
          year=YYYY/data_YYYYMMDD.parquet, replacing that day's old file (a full export replaces the whole folder) -#}
      select iso_remove_tree({{ sql_literal(scratch) }});
      {%- for day in plan.days %}
      {%- set folder = scratch ~ '/year=' ~ day[:4] %}
      select iso_mkdirs({{ sql_literal(folder) }});
      copy (select * exclude ({{ partition_by | join(', ') }}) from ({{ day_sql(sql, [day]) }}))
        to {{ sql_literal(folder ~ '/data_' ~ day | replace('-', '') ~ '.parquet') }} (format parquet, compression zstd);
      {%- endfor %}
      select iso_publish_day_files({{ sql_literal(scratch) }}, {{ sql_literal(location) }}, {{ 'true' if plan.full else 'false' }}) as files
    {%- elif partitioned -%}
      copy ({{ sql }}) to {{ sql_literal(location) }} (
        format parquet, compression zstd, partition_by ({{ partition_by | join(', ') }}),
        overwrite, filename_pattern 'data_{i}'
      )
    {%- else -%}
      copy ({{ sql }}) to {{ sql_literal(location) }} (format parquet, compression zstd)
    {%- endif -%}
  {%- endcall %}

  {%- if existing is not none and existing.type != 'view' -%}
    {{ adapter.drop_relation(existing) }}
  {%- endif -%}
  {%- set hive_types = [] -%}
  {%- for col in partition_by -%}{%- do hive_types.append("'" ~ col ~ "': INTEGER") -%}{%- endfor -%}
  {% call statement('create_view') -%}
    create or replace view {{ target_relation }} as
    {% if parquet_files_exist(location, partitioned) -%}
      select * from read_parquet({{ sql_literal(parquet_glob(location) if partitioned else location) }}
        {%- if partitioned %}, hive_partitioning = true, union_by_name = true, hive_types = { {{ hive_types | join(', ') }} }{% endif %})
    {%- else -%}
      {#- no file yet: the model's columns, no rows (`_day`, the local day a day-unit model computes, is never written) -#}
      select columns(lambda c: c <> '_day') from ({{ sql }}) where false
    {%- endif %}
  {%- endcall %}

  {%- if by_day -%}
    {% call statement('record_state') -%}
      insert or replace into main._export_state (model, watermark, full_export_at, updated_at, verified_at)
      select '{{ this }}', {{ "'" ~ plan.watermark ~ "'::timestamptz" if plan.watermark is not none else 'null' }},
             {{ "now()" if plan.full else "(select full_export_at from main._export_state where model = '" ~ this ~ "')" }},
             now(),
             (select verified_at from main._export_state where model = '{{ this }}');
      {{ log_exported_days(plan) }}
    {%- endcall %}
  {%- endif -%}

  {{ run_hooks(post_hooks, inside_transaction=True) }}
  {{ adapter.commit() }}
  {{ run_hooks(post_hooks, inside_transaction=False) }}
  {{ return({'relations': [target_relation]}) }}
{% endmaterialization %}
