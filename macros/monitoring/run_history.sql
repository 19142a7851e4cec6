{#-
  Run history in the warehouse (schema `monitoring`), written by every `dbt build` / `run` / `test` / `seed` /
  `snapshot` / `source freshness` through two hooks in dbt_project.yml:

    on-run-start  record_run_start()         one row in monitoring.runs, status 'running'
    on-run-end    record_run_end(results)    one row per executed node in monitoring.run_nodes (status, timing,
                                             rows of the relation afterwards, failing rows of a test), storage of
                                             the parquet outputs per dataset in monitoring.storage, and the run row
                                             completed (status success / error, counts)

  `iso-pipeline land` writes the same tables. Their one definition is Python's (ingest/monitor/history.py `DDL`):
  the project's dbt-duckdb plugin (ingest/dbt_plugin.py) creates them on every dbt connection.
  A run row left at 'running' is a run that never reached on-run-end (killed, crashed): `iso-pipeline check`
  reports it as a failed run. The ISO, stage (folder: staging, intermediate, rollup = Stage 2, flattened = Stage 3,
  combined = Stage 4) and dataset of a node come from macro node_meta; a test takes those of the node it tests.
-#}


{% macro monitored_command() -%}
  {#- The dbt command of this invocation when it is one the history records, else none. -#}
  {%- set which = flags.WHICH -%}
  {%- if which in ('build', 'run', 'test', 'seed', 'snapshot') -%}{{ return(which) }}
  {%- elif which in ('freshness', 'source-freshness', 'source freshness') -%}{{ return('freshness') }}
  {%- endif -%}
  {{ return(none) }}
{%- endmacro %}

{% macro sql_ts(value) -%}
  {%- if value is none -%}null{%- else -%}'{{ value.isoformat() }}'::timestamptz{%- endif -%}
{%- endmacro %}

{% macro record_run_start() %}
  {#- dispatched: the DuckDB body is default__record_run_start, Spark's spark__record_run_start (macros/spark/) -#}
  {{ return(adapter.dispatch('record_run_start')()) }}
{% endmacro %}

{% macro default__record_run_start() %}
  {%- set command = monitored_command() -%}
  {%- if not execute or command is none -%}{{ return('') }}{%- endif -%}
  {%- set args = [] -%}
  {%- for key in ['select', 'exclude', 'selector', 'full_refresh'] -%}
    {%- set v = invocation_args_dict.get(key) -%}
    {%- if v -%}{%- do args.append('--' ~ key | replace('_', '-') ~ ('' if v is sameas true else ' ' ~ (v | join(' ') if v is iterable and v is not string else v))) -%}{%- endif -%}
  {%- endfor -%}
  {%- set sql -%}
    insert into monitoring.runs (run_id, kind, command, args, started_at, status)
    values ({{ sql_literal(invocation_id) }}, 'dbt', {{ sql_literal(command) }}, {{ sql_literal(args | join(' ')) }},
            {{ sql_ts(run_started_at) }}, 'running')
  {%- endset -%}
  {{ return(sql) }}
{% endmacro %}

{% macro record_run_end(results) %}
  {#- dispatched: the DuckDB body is default__record_run_end, Spark's spark__record_run_end (macros/spark/) -#}
  {{ return(adapter.dispatch('record_run_end')(results)) }}
{% endmacro %}

{% macro default__record_run_end(results) %}
  {%- set command = monitored_command() -%}
  {%- if not execute or command is none -%}{{ return('') }}{%- endif -%}

  {#- one row per executed node -#}
  {%- set rows = [] -%}
  {%- set counted = [] -%}
  {%- set isos = [] -%}
  {%- set tally = {'errors': 0, 'failed_tests': 0, 'warnings': 0} -%}
  {%- for res in results -%}
    {%- set node = res.node -%}
    {%- set meta = node_meta(node) -%}
    {%- set iso = meta.iso -%}
    {%- if iso and iso not in isos -%}{%- do isos.append(iso) -%}{%- endif -%}
    {%- set span = {'started': none, 'completed': none} -%}
    {%- for t in res.timing -%}
      {%- if t.started_at and (span.started is none or t.started_at < span.started) -%}{%- do span.update({'started': t.started_at}) -%}{%- endif -%}
      {%- if t.completed_at and (span.completed is none or t.completed_at > span.completed) -%}{%- do span.update({'completed': t.completed_at}) -%}{%- endif -%}
    {%- endfor -%}
    {%- set status = res.status | string | lower -%}
    {%- if status in ('error', 'runtime error') -%}{%- do tally.update({'errors': tally.errors + 1}) -%}{%- endif -%}
    {%- if status == 'fail' -%}{%- do tally.update({'failed_tests': tally.failed_tests + 1}) -%}{%- endif -%}
    {%- if status == 'warn' -%}{%- do tally.update({'warnings': tally.warnings + 1}) -%}{%- endif -%}
    {%- set message = res.message -%}
    {%- if node.resource_type == 'source' and res.max_loaded_at is defined and res.max_loaded_at -%}
      {%- set message = 'max_loaded_at ' ~ res.max_loaded_at.isoformat() ~ ', age ' ~ (res.age | round(0) | int) ~ 's' -%}
    {%- endif -%}
    {%- set stage = meta.stage -%}
    {%- do rows.append('(' ~ [sql_literal(invocation_id), sql_literal(node.unique_id), sql_literal(node.name),
          sql_literal(node.resource_type), sql_literal(iso), sql_literal(stage), sql_literal(meta.dataset),
          sql_literal(status), sql_ts(span.started), sql_ts(span.completed), sql_literal(res.execution_time),
          'null', sql_literal(res.failures), sql_literal((message or '') | truncate(500))] | join(', ') ~ ')') -%}
    {#- a view is not counted: it holds no rows (its count would read its inputs' whole history on every run) -#}
    {%- if node.resource_type == 'model' and status == 'success' and stage in ('intermediate', 'rollup', 'flattened', 'combined')
          and node.config.materialized != 'view' -%}
      {%- do counted.append(node) -%}
    {%- endif -%}
  {%- endfor -%}

  {%- set statements = [] -%}
  {%- if rows | length > 0 -%}
    {%- do statements.append('insert into monitoring.run_nodes values\n' ~ rows | join(',\n')) -%}
  {%- endif -%}
  {%- do statements.extend(run_rows_statements(counted)) -%}
  {%- if command != 'freshness' -%}
    {%- for iso in isos -%}{%- do statements.append(storage_snapshot_sql(iso)) -%}{%- endfor -%}
  {%- endif -%}
  {%- set status = 'error' if tally.errors + tally.failed_tests > 0 else ('warn' if tally.warnings > 0 else 'success') -%}
  {%- do statements.append("update monitoring.runs set ended_at = now(), status = '" ~ status ~ "', isos = "
        ~ sql_literal(isos | sort | join(',')) ~ ", nodes = " ~ results | length ~ ", errors = " ~ tally.errors
        ~ ", failed_tests = " ~ tally.failed_tests ~ ", warnings = " ~ tally.warnings
        ~ " where run_id = '" ~ invocation_id ~ "'") -%}
  {{ return(statements | join(';\n')) }}
{% endmacro %}

{% macro run_rows_statements(nodes) -%}
  {#- The statements that fill monitoring.run_nodes.rows for the models `nodes` built by this run: the rows of each
      relation afterwards (parquet counts come from the file footers, which at a year of history is seconds). A
      day-unit or kept model's count is kept in main._report_rows (key 'rows <unique_id>') with the model's version
      (node_version) it was counted at, and counted again only when that version changed - a Stage 2 model keeping
      its day summaries (summarized_relation) as the sum of their row counts; any other model is counted every
      time. -#}
  {%- set direct = [] -%}
  {%- set versioned = {} -%}
  {%- for node in nodes -%}
    {%- if state_tables_ready() and (is_day_unit(node) or is_kept(node)) -%}
      {%- do versioned.update({node.unique_id: node}) -%}
    {%- else -%}
      {%- do direct.append("select " ~ sql_literal(node.unique_id) ~ " as unique_id, count(*) as n from " ~ node.relation_name) -%}
    {%- endif -%}
  {%- endfor -%}
  {%- set statements = [] -%}
  {%- if versioned -%}
    {%- set versions = node_versions(versioned.keys() | list) -%}
    {%- set keys = [] -%}
    {%- for uid in versioned -%}{%- do keys.append('rows ' ~ uid) -%}{%- endfor -%}
    {%- set have = {} -%}
    {%- for r in run_query("select key, version from main._report_rows where key in (" ~ sql_literal_list(keys, brackets=false) ~ ")").rows -%}
      {%- do have.update({r[0]: r[1]}) -%}
    {%- endfor -%}
    {%- set fresh = [] -%}
    {%- for uid, node in versioned.items() -%}
      {%- set version = versions[uid] -%}
      {%- if version is none -%}
        {%- do direct.append("select " ~ sql_literal(uid) ~ " as unique_id, count(*) as n from " ~ node.relation_name) -%}
      {%- elif have.get('rows ' ~ uid) != version -%}
        {#- a Stage 2 model keeping its day summaries: their row counts, not a year of parquet footers -#}
        {%- set count = "(select coalesce(sum(row_count), 0) from main._day_keys where model = " ~ sql_literal(node.relation_name) ~ ")"
              if summarized_relation(node.relation_name) else "(select count(*) from " ~ node.relation_name ~ ")" -%}
        {%- do fresh.append("select " ~ sql_literal('rows ' ~ uid) ~ " as key, " ~ sql_literal(version) ~ " as version, " ~ count ~ " as n") -%}
      {%- endif -%}
    {%- endfor -%}
    {%- for chunk in fresh | batch(50) -%}
      {%- do statements.append("insert or replace into main._report_rows select key, version, n::varchar, now() from ("
            ~ chunk | join(' union all ') ~ ")") -%}
    {%- endfor -%}
    {%- do statements.append("update monitoring.run_nodes as n set rows = c.row_values::bigint from main._report_rows as c where n.run_id = "
          ~ sql_literal(invocation_id) ~ " and c.key = 'rows ' || n.unique_id and c.key in (" ~ sql_literal_list(keys, brackets=false) ~ ")") -%}
  {%- endif -%}
  {%- for chunk in direct | batch(50) -%}
    {%- do statements.append("update monitoring.run_nodes as n set rows = c.n from (" ~ chunk | join(' union all ')
          ~ ") as c where n.run_id = " ~ sql_literal(invocation_id) ~ " and n.unique_id = c.unique_id") -%}
  {%- endfor -%}
  {{ return(statements) }}
{%- endmacro %}

{% macro storage_snapshot_sql(iso) -%}
  {#- Bytes and files of the parquet outputs of one ISO, per stage folder and dataset:
      rollup_files/<dataset>/ (Stage 2), flattened/<dataset>/ (3), combined/<yearly|monthly|analysis_ready>/<name> (4). -#}
  {%- set root = iso_root(iso) ~ '/rollup_files' -%}
  {%- set n = run_query("select count(*) from glob(" ~ sql_literal(root ~ "/**/*.parquet") ~ ")").columns[0].values()[0] -%}
  {%- if n == 0 -%}{{ return('select 1') }}{%- endif -%}
  insert into monitoring.storage
  with files as (
      select regexp_extract(filename, 'rollup_files/(.*)$', 1) as rel, size
      from read_blob({{ sql_literal(root ~ '/**/*.parquet') }})
  ),
  classified as (
      select
          case when rel like 'flattened/%' then 'stage3'
               when rel like 'combined/%' then 'stage4'
               else 'stage2' end as area,
          case when rel like 'flattened/%' then split_part(rel, '/', 2)
               when rel like 'combined/analysis_ready/%' then 'analysis_ready'
               when rel like 'combined/%' then split_part(rel, '/', 2) || '/' || split_part(rel, '/', 3)
               else split_part(rel, '/', 1) end as dataset,
          size
      from files
  )
  select '{{ invocation_id }}', now(), '{{ iso }}', area, dataset, count(*), sum(size)
  from classified
  group by all
{%- endmacro %}
