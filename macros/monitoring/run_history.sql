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
  reports it as a failed run. Stage of a node: meta `stage` (2, 3, 4) or its folder (staging, intermediate,
  rollup = 2, flattened = 3, combined = 4); a test takes the stage, ISO and dataset of the model it tests.
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

{% macro node_iso(node) -%}
  {%- set meta = node.config.meta if node.config is defined and node.config.meta is defined else {} -%}
  {%- if meta.get('iso') -%}{{ return(meta.get('iso') | upper) }}{%- endif -%}
  {%- if node.meta is defined and node.meta and node.meta.get('iso') -%}{{ return(node.meta.get('iso') | upper) }}{%- endif -%}
  {%- for iso in ['ercot', 'caiso', 'pjm'] -%}
    {%- if iso in (node.tags or []) or ('/' ~ iso ~ '/') in (node.original_file_path or '') -%}{{ return(iso | upper) }}{%- endif -%}
  {%- endfor -%}
  {{ return(none) }}
{%- endmacro %}

{% macro node_stage(node) -%}
  {#- staging, intermediate, rollup (Stage 2), flattened (Stage 3), combined (Stage 4), or the node's folder. -#}
  {%- set by_meta = {2: 'rollup', 3: 'flattened', 4: 'combined'} -%}
  {%- set meta = node.config.meta if node.config is defined and node.config.meta is defined else {} -%}
  {%- if meta.get('stage') in by_meta -%}{{ return(by_meta[meta.get('stage')]) }}{%- endif -%}
  {%- if node.resource_type == 'model' and node.fqn | length > 2 -%}{{ return(node.fqn[1]) }}{%- endif -%}
  {{ return(node.resource_type) }}
{%- endmacro %}

{% macro node_dataset(node, datasets) -%}
  {#- meta `dataset`, else the landed dataset named in the model name (int_ercot__da_prices_filled -> DA_prices). -#}
  {%- set meta = node.config.meta if node.config is defined and node.config.meta is defined else {} -%}
  {%- if meta.get('dataset') -%}{{ return(meta.get('dataset')) }}{%- endif -%}
  {%- if node.meta is defined and node.meta and node.meta.get('dataset') -%}{{ return(node.meta.get('dataset')) }}{%- endif -%}
  {%- set key = (node.name or '').split('__')[-1] | replace('_filled', '') | lower -%}
  {{ return(datasets.get(key)) }}
{%- endmacro %}

{% macro tested_node(node) -%}
  {#- The model (or source) a data test is attached to. -#}
  {%- set uid = node.attached_node if node.attached_node is defined and node.attached_node else
               (node.depends_on.nodes[0] if node.depends_on.nodes | length > 0 else none) -%}
  {%- if uid is none -%}{{ return(none) }}{%- endif -%}
  {{ return(graph.nodes.get(uid) or graph.sources.get(uid)) }}
{%- endmacro %}

{% macro record_run_end(results) %}
  {%- set command = monitored_command() -%}
  {%- if not execute or command is none -%}{{ return('') }}{%- endif -%}
  {%- set datasets = {} -%}
  {%- for src in graph.sources.values() if src.meta.get('dataset') -%}
    {%- do datasets.update({src.meta.get('dataset') | lower: src.meta.get('dataset')}) -%}
  {%- endfor -%}

  {#- one row per executed node -#}
  {%- set rows = [] -%}
  {%- set counted = [] -%}
  {%- set isos = [] -%}
  {%- set tally = {'errors': 0, 'failed_tests': 0, 'warnings': 0} -%}
  {%- for res in results -%}
    {%- set node = res.node -%}
    {%- set owner = tested_node(node) if node.resource_type == 'test' else node -%}
    {%- set owner = owner if owner is not none else node -%}
    {%- set iso = node_iso(owner) -%}
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
    {%- set stage = node_stage(owner) -%}
    {%- do rows.append('(' ~ [sql_literal(invocation_id), sql_literal(node.unique_id), sql_literal(node.name),
          sql_literal(node.resource_type), sql_literal(iso), sql_literal(stage), sql_literal(node_dataset(owner, datasets)),
          sql_literal(status), sql_ts(span.started), sql_ts(span.completed), sql_literal(res.execution_time),
          'null', sql_literal(res.failures), sql_literal((message or '') | truncate(500))] | join(', ') ~ ')') -%}
    {%- if node.resource_type == 'model' and status == 'success' and stage in ('intermediate', 'rollup', 'flattened', 'combined') -%}
      {%- do counted.append("select '" ~ node.unique_id ~ "' as unique_id, count(*) as n from " ~ node.relation_name) -%}
    {%- endif -%}
  {%- endfor -%}

  {%- set statements = [] -%}
  {%- if rows | length > 0 -%}
    {%- do statements.append('insert into monitoring.run_nodes values\n' ~ rows | join(',\n')) -%}
  {%- endif -%}
  {#- rows of each built relation afterwards (rows per stage); parquet counts come from the file footers -#}
  {%- for chunk in counted | batch(50) -%}
    {%- do statements.append("update monitoring.run_nodes as n set rows = c.n from (" ~ chunk | join(' union all ')
          ~ ") as c where n.run_id = '" ~ invocation_id ~ "' and n.unique_id = c.unique_id") -%}
  {%- endfor -%}
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
