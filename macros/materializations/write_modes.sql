{#-
  The write modes of the parquet_partitions materialization, one macro each (each runs the model's `main`
  statement), and the file operations they use: statements calling the Python functions of the project's dbt-duckdb
  plugin (ingest/dbt_plugin.py), as DuckDB has no SQL to make, remove or move a folder. They run inside `main`, in
  order with the COPYs.
-#}

{% macro make_folder(path) -%}
  {#- The statement creating a folder and its parents (COPY needs its target folder to exist). -#}
  select iso_mkdirs({{ sql_literal(path) }}) as folder_made
{%- endmacro %}

{% macro remove_folder(path) -%}
  {#- The statement deleting a folder and everything in it, if it exists (the scratch folder of a day-unit export). -#}
  select iso_remove_tree({{ sql_literal(path) }}) as folder_removed
{%- endmacro %}

{% macro publish_day_files(scratch, location, full) -%}
  {#- The statement moving the day (or month) files written into `scratch` to the same place under `location`, each
      with an atomic rename, replacing the old file of that day or month; with `full`, `scratch` replaces the whole
      folder (old and new files never mix). Its result: how many files were published. -#}
  select iso_publish_day_files({{ sql_literal(scratch) }}, {{ sql_literal(location) }}, {{ 'true' if full else 'false' }}) as files_published
{%- endmacro %}

{% macro days_by_month(days) -%}
  {#- The days ('YYYY-MM-DD') grouped by month: {'YYYY-MM': [days...]} (the batches of write_by_month and of
      write_by_day with `tz`). -#}
  {%- set months = {} -%}
  {%- for day in days -%}{%- do months.setdefault(day[:7], []).append(day) -%}{%- endfor -%}
  {{ return(months) }}
{%- endmacro %}

{% macro write_day_files(sql, plan, location) -%}
  {#- What write_by_day and write_by_month share, used as a call block: the `main` statement - the stale scratch
      folder removed and the year folders made, the model's SQL as a temporary view, the caller's COPYs (given the
      view's name and the scratch folder), iso_days_to_write reset, then the files published into place (a full
      export replaces the whole folder, and runs alone: macro run_alone). -#}
  {%- set scratch = location ~ '.writing' -%}
  {%- set rows = '_rows_of_' ~ this.identifier -%}
  {%- set years = [] -%}
  {%- for day in plan.days if day[:4] not in years -%}{%- do years.append(day[:4]) -%}{%- endfor -%}
  {%- set copies = caller(rows, scratch) -%}
  {% call statement('main') -%}
    {%- if plan.full %}{{ run_alone() }}{% endif %}
    {{ remove_folder(scratch) }};
    {%- for year in years %}
    {{ make_folder(scratch ~ '/year=' ~ year) }};
    {%- endfor %}
    create or replace temp view {{ rows }} as
    {{ sql }}
    ;
    {{- copies }}
    {{ set_days_to_write(none) }};
    drop view {{ rows }};
    {{ publish_day_files(scratch, location, plan.full) }}
  {%- endcall %}
{%- endmacro %}

{% macro write_by_day(sql, plan, location, partition_by, tz=none) -%}
  {#- One file per local day, year=YYYY/data_YYYYMMDD.parquet, through write_day_files: one COPY per day of the plan
      with `iso_days_to_write` set to that day (much faster than one COPY partitioned by day: measured 1.9 s vs 7.3 s
      for a month of SCED rows). With `tz` (a `days_from` model: few rows per day, computed from an upstream's day
      files), the SQL runs once per month of the plan into a temporary table and each day's file is copied from it
      by the local day of `datetime`: a query per day would find its upstream day among every file of the upstream
      again (a year's full export of the hourly statistics: 53 s, 0.14 s a day, measured). -#}
  {%- set batch = '_day_batch_' ~ this.identifier -%}
  {% call(rows, scratch) write_day_files(sql, plan, location) -%}
    {%- if tz is none %}
    {%- for day in plan.days %}
    {{ set_days_to_write([day]) }};
    copy (select * exclude ({{ partition_by | join(', ') }}) from {{ rows }})
      to {{ sql_literal(scratch ~ '/' ~ day_file_names('day', [day])[0]) }} (format parquet, compression zstd);
    {%- endfor %}
    {%- else %}
    {%- for month, days in days_by_month(plan.days) | dictsort %}
    {{ set_days_to_write(days) }};
    create or replace temp table {{ batch }} as
    select *, cast({{ utc_to_local('datetime', tz) }} as date) as _local_day from {{ rows }};
    {%- for day in days %}
    copy (select * exclude ({{ (partition_by + ['_local_day']) | join(', ') }}) from {{ batch }}
          where _local_day = date '{{ day }}' order by datetime)
      to {{ sql_literal(scratch ~ '/' ~ day_file_names('day', [day])[0]) }} (format parquet, compression zstd);
    {%- endfor %}
    drop table {{ batch }};
    {%- endfor %}
    {%- endif %}
  {%- endcall %}
{%- endmacro %}

{% macro write_by_month(sql, plan, location, partition_by, tz) -%}
  {#- One file per local month, year=YYYY/data_YYYYMM.parquet (Stage 3's wide tables: a wide file has one column
      chunk per settlement point, so a month in one file costs what a day does), through write_day_files. For each
      month touched, the SQL runs once for its days to rewrite (`iso_days_to_write`) into a temporary table - memory
      holds one month of the wide table, however long the history - and the month's file is written from those
      rows (without the local `_day` the SQL computes) plus, unless this is a full export, the other days' rows of
      the month's existing file. -#}
  {%- set batch = '_day_batch_' ~ this.identifier -%}
  {% call(rows, scratch) write_day_files(sql, plan, location) -%}
    {%- for month, days in days_by_month(plan.days) | dictsort %}
    {%- set name = day_file_names('month', days)[0] %}
    {%- set keep_old = not plan.full and parquet_files_exist(location ~ '/' ~ name, false) %}
    {{ set_days_to_write(days) }};
    create or replace temp table {{ batch }} as select * from {{ rows }};
    copy (
        select * exclude ({{ (partition_by + ['_day']) | join(', ') }}) from {{ batch }}
        {%- if keep_old %}
        union all by name
        select * from read_parquet({{ sql_literal(location ~ '/' ~ name) }}, hive_partitioning = false)
        where cast({{ utc_to_local('datetime', tz) }} as date) not in ({{ sql_date_list(days) }})
        {%- endif %}
        order by datetime
    ) to {{ sql_literal(scratch ~ '/' ~ name) }} (format parquet, compression zstd);
    drop table {{ batch }};
    {%- endfor %}
  {%- endcall %}
{%- endmacro %}

{% macro replace_path(scratch, location) -%}
  {#- The statement putting the folder or file `scratch` in the place of `location` (renames: a killed build leaves
      the old output or the new one, never a half-written file). -#}
  select iso_replace_path({{ sql_literal(scratch) }}, {{ sql_literal(location) }}) as path_replaced
{%- endmacro %}

{% macro write_partitioned(sql, location, partition_by) -%}
  {#- The whole result, hive-partitioned by `partition_by`, written into the scratch folder `location.writing`,
      which then replaces the folder `location`. -#}
  {%- set scratch = location ~ '.writing' -%}
  {% call statement('main') -%}
    {{ remove_folder(scratch) }};
    {{ make_folder(scratch) }};
    copy ({{ sql }}) to {{ sql_literal(scratch) }} (
      format parquet, compression zstd, partition_by ({{ partition_by | join(', ') }}),
      overwrite, filename_pattern 'data_{i}'
    );
    {{ replace_path(scratch, location) }}
  {%- endcall %}
{%- endmacro %}

{% macro write_single_file(sql, location) -%}
  {#- The whole result as one parquet file `location` (partition_by: []), written as `location.writing` and then
      renamed into place. -#}
  {%- set scratch = location ~ '.writing' -%}
  {% call statement('main') -%}
    {{ make_folder(location.rsplit('/', 1)[0]) }};
    copy ({{ sql }}) to {{ sql_literal(scratch) }} (format parquet, compression zstd);
    {{ replace_path(scratch, location) }}
  {%- endcall %}
{%- endmacro %}

{% macro view_over_files(relation, sql, location, partition_by) -%}
  {#- The warehouse relation of a parquet model: a view over its files (hive partitions typed INTEGER), or, before
      any file exists, the model's columns and no rows. Every file of a model has the model's columns (a changed
      column list is a full export: export_plan), so the view binds to the first file's schema: `union_by_name`
      would read the footer of every file each time a query binds the view (0.2 s per query over a year of day
      files), and a file of another schema is an error, not NULLs. -#}
  {%- set partitioned = partition_by | length > 0 -%}
  {%- set hive_types = [] -%}
  {%- for col in partition_by -%}{%- do hive_types.append("'" ~ col ~ "': INTEGER") -%}{%- endfor -%}
  create or replace view {{ relation }} as
  {% if parquet_files_exist(location, partitioned) -%}
    select * from read_parquet({{ sql_literal(parquet_glob(location) if partitioned else location) }}
      {%- if partitioned %}, hive_partitioning = true, hive_types = { {{ hive_types | join(', ') }} }{% endif %})
  {%- else -%}
    {#- no file yet: the model's columns, no rows (`_day`, the local day a day-unit model computes, is never written) -#}
    select columns(lambda c: c <> '_day') from ({{ sql }}) where false
  {%- endif %}
{%- endmacro %}

{% macro record_export(model, plan, summary=none) -%}
  {#- The statements that record an export of a day-unit model: its row of main._export_state (watermark,
      full_export_at on a full export, updated_at; verified_at kept) and the days it wrote in main._export_days (a
      full export starts the log afresh, unverified). With `summary` ({'key': SQL expression, 'value': column}: a
      Stage 2 model's meta key_column / value_column), the day summaries of the days it wrote (day_keys_statements). -#}
  {%- set summarized = summary is not none -%}
  insert or replace into main._export_state (model, watermark, full_export_at, updated_at, verified_at, summarized_at,
                                             summary_key, summary_value)
  select '{{ model }}', {{ "'" ~ plan.watermark ~ "'::timestamptz" if plan.watermark is not none else 'null' }},
         {{ "now()" if plan.full else "(select full_export_at from main._export_state where model = '" ~ model ~ "')" }},
         now(),
         (select verified_at from main._export_state where model = '{{ model }}'),
         {{ 'now()' if summarized else 'null' }},
         {{ sql_literal(summary.key) if summarized else 'null' }},
         {{ sql_literal(summary.value) if summarized else 'null' }};
  {%- if plan.full %}
  delete from main._export_days where model = '{{ model }}';
  update main._export_state set verified_at = null where model = '{{ model }}';
  {%- endif %}
  {%- if plan.days | length > 0 %}
  insert into main._export_days (model, day, exported_at)
  select '{{ model }}', unnest([{{ sql_date_list(plan.days) }}]), now();
  {%- endif %}
  {%- if summarized %}
  {{ day_keys_statements(model, plan, summary) }};
  {%- endif %}
  select 1
{%- endmacro %}
