{#-
  Materialization `parquet_partitions`: the model's SELECT is written with DuckDB COPY (streaming, no intermediate
  table) to hive-partitioned parquet under config `location`, zstd; the relation in the warehouse is a view over
  the files, so `ref()` downstream reads the parquet.

  config:
    location       folder (partitioned) or file (partition_by: []) to write
    partition_by   list of column names, default ['year']
    changed_from   Stage 2: an upstream model with columns `datetime_local` and `_loaded_at` (every landed row).
    days_from      Stage 3 and the Stage 4 hourly statistics: an upstream model written one day at a time (a
                   `changed_from` model).
    file_unit      with changed_from / days_from: 'day' (default, one file per local day) or 'month'.

  Four write modes, one macro each (write_modes.sql): write_by_day, write_by_month (the day-unit models),
  write_partitioned, write_single_file. A day-unit model filters with `where {{ days_to_write_filter() }}`, a
  condition on the DuckDB variable `iso_days_to_write` that the write mode sets before each COPY: the compiled SQL
  is what runs. Which days a run writes, and why, is export_plan's answer (day_plan.sql):
    changed_from   the days that received rows since the last export;
    days_from      the days the upstream model rewrote since the last export, with `fill_margin_days()` days on
                   each side (the fill rule reaches that far), the days of the upstream's range that have no file
                   yet, and the last day of the previous range when the range grew (its trailing gaps change).
  Everything is rewritten on --full-refresh, on a first run, when files are missing or of an older layout, after a
  full export upstream (days_from) and when the model's columns changed (a new settlement point is a new column
  of every day). `dbt run-operation plan_next_build` prints that answer for the next build without writing. A run
  with no day to write runs no statement of the model, and its view is kept when created from the same statement
  (view_is_from), as is a whole model's while its inputs and files are unchanged.
  The state (docs block `export_state_tables`): `main._export_state` (one row per model) and `main._export_days`
  (the days each run wrote); the on-run-end hook record_verified marks them verified once every test of the model
  passed, and tests given a `local_column` check only the days not yet verified (verification.sql).
-#}

{% materialization parquet_partitions, adapter='duckdb' %}
  {%- set location = config.require('location') -%}
  {%- set partition_by = config.get('partition_by', ['year']) -%}
  {%- set target_relation = this.incorporate(type='view') -%}
  {%- set existing = load_cached_relation(this) -%}

  {{ run_hooks(pre_hooks, inside_transaction=False) }}
  {{ run_hooks(pre_hooks, inside_transaction=True) }}

  {%- set plan = export_plan(this, config, sql, existing, flags.FULL_REFRESH) -%}
  {%- do log(this ~ ': ' ~ (plan.days | length) ~ ' day(s), ' ~ ('full' if plan.full else 'incremental') ~ ': '
             ~ plan.why | join('; ')) -%}
  {#- a model written whole (Stage 4): not again while its inputs and files are what they were (unchanged_inputs.sql) -#}
  {%- set whole = plan.unit is none -%}
  {%- set state = inputs_state(sql) if whole else {'fingerprint': none, 'seen': none} -%}
  {%- set fingerprint, seen = state.fingerprint, state.seen -%}
  {%- set kept = seen is not none and seen.fingerprint == fingerprint and not flags.FULL_REFRESH and existing is not none
                 and seen.outputs is not none and seen.outputs == output_files(location, partition_by | length > 0) -%}
  {#- a day-unit model with no day to write: its files and columns are those of the log (the plan checked both) -#}
  {%- set nothing_to_write = not whole and not plan.full and plan.days | length == 0 -%}
  {%- if kept -%}
    {%- do log(this ~ ': kept: its inputs and files are those of its last build') -%}
    {% call statement('main') -%} select 1 {%- endcall %}
  {%- elif nothing_to_write -%}
    {#- no day to write: no statement (the model's SQL, a PIVOT over every column on Stage 3, is not even bound) -#}
    {% call statement('main') -%} select 1 {%- endcall %}
  {%- elif plan.unit == 'month' -%}
    {%- do write_by_month(sql, plan, location, partition_by, iso_timezone(config.get('meta', {}).get('iso'))) -%}
  {%- elif plan.unit == 'day' -%}
    {%- do write_by_day(sql, plan, location, partition_by,
                        iso_timezone(config.get('meta', {}).get('iso')) if config.get('days_from') else none) -%}
  {%- elif partition_by | length > 0 -%}
    {%- do write_partitioned(sql, location, partition_by) -%}
  {%- else -%}
    {%- do write_single_file(sql, location) -%}
  {%- endif -%}

  {%- if existing is not none and existing.type != 'view' -%}
    {{ adapter.drop_relation(existing) }}
  {%- endif -%}
  {#- the view: created again unless no file changed (kept, or nothing to write) and the view in the warehouse is the
      one this statement created (creating it binds the files: 0.05-0.1 s at a year) -#}
  {%- set view_sql = view_over_files(target_relation, sql, location, partition_by) -%}
  {%- if (kept or nothing_to_write) and existing is not none and existing.type == 'view' and view_is_from(target_relation, view_sql) -%}
    {%- do log(this ~ ': view kept: no file changed, and the view is the one created from this statement') -%}
  {%- else -%}
    {% call statement('create_view') -%}
      {{ view_sql }};
      {{ record_view_from(target_relation, view_sql) }}
    {%- endcall %}
  {%- endif -%}
  {%- if plan.unit is not none -%}
    {% call statement('record_state') -%}
      {%- set meta = config.get('meta', {}) -%}
      {{ record_export(this, plan, {'key': meta.key_column, 'value': meta.value_column}
                       if plan.unit == 'day' and config.get('changed_from') and meta.get('key_column') and meta.get('value_column') else none) }}
    {%- endcall %}
  {%- elif fingerprint is not none and not kept -%}
    {% call statement('record_state') -%}
      {{ record_inputs_seen(fingerprint, output_files(location, partition_by | length > 0)) }}
    {%- endcall %}
  {%- endif -%}

  {{ run_hooks(post_hooks, inside_transaction=True) }}
  {{ adapter.commit() }}
  {{ run_hooks(post_hooks, inside_transaction=False) }}
  {{ return({'relations': [target_relation]}) }}
{% endmaterialization %}

{% macro view_is_from(relation, view_sql) -%}
  {#- Whether the view `relation` in the warehouse is the one `view_sql` created for the model being built
      (record_view_from): the md5 of that statement and of the view's SQL as DuckDB keeps it, so a view replaced by
      hand is not taken for it. -#}
  {{ return(run_query("select count(*) from main._inputs_seen as s, duckdb_views() as v where s.node_id = " ~ sql_literal('view ' ~ model.unique_id)
                      ~ " and v.database_name = " ~ sql_literal(relation.database) ~ " and v.schema_name = " ~ sql_literal(relation.schema)
                      ~ " and v.view_name = " ~ sql_literal(relation.identifier) ~ " and s.fingerprint = "
                      ~ sql_literal(local_md5(view_sql) ~ ' ') ~ " || md5(v.sql)").rows[0][0] == 1) }}
{%- endmacro %}

{% macro record_view_from(relation, view_sql) -%}
  {#- The statement recording in main._inputs_seen (key 'view <unique_id>') that the model's view `relation` was just
      created by `view_sql`. -#}
  insert or replace into main._inputs_seen
  select {{ sql_literal('view ' ~ model.unique_id) }}, {{ sql_literal(local_md5(view_sql) ~ ' ') }} || md5(sql), null, now()
  from duckdb_views()
  where database_name = {{ sql_literal(relation.database) }} and schema_name = {{ sql_literal(relation.schema) }}
    and view_name = {{ sql_literal(relation.identifier) }}
{%- endmacro %}
