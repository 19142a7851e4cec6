{#-
  Work a build with nothing new does not repeat: a node that reads all of history (a whole-written Stage 4 model, a
  gaps table, the settlement points, an integrity test of a table without a day log) is skipped when its inputs are
  exactly what they were the last time it was built, or the last time it passed (tests).

  The inputs' fingerprint (inputs_state) is the md5 of the node's compiled SQL and of a version of every node
  it reads (node_version): a seed's file checksum; a day-unit parquet model's last export (main._export_state /
  main._export_days); an intermediate model's newest `_loaded_at`; a kept node's own recorded fingerprint; a view's
  SQL as the warehouse holds it and, recursively, its inputs. Anything else (a source, the landing registry, an
  unknown materialization) has no version: the node is never skipped. The fingerprint a node was last built or
  passed with is in main._inputs_seen (docs block `inputs_seen_table`), written in the same transaction as a kept
  table (post-hook record_inputs_seen) or a Stage 4 model's state (record_export), and by the on-run-end hook for
  tests (record_passed_tests). Spark builds and tests everything every time.
-#}

{% macro inputs_seen_ddl() -%}
  create table if not exists main._inputs_seen (
    node_id varchar primary key, fingerprint varchar, outputs varchar, recorded_at timestamptz
  );
  create table if not exists main._report_rows (
    key varchar primary key, version varchar, row_values varchar, computed_at timestamptz
  )
{%- endmacro %}

{% macro is_day_unit(node) -%}
  {{ return(node.config.materialized == 'parquet_partitions'
            and (node.config.get('changed_from') or node.config.get('days_from')) is not none) }}
{%- endmacro %}

{% macro is_kept(node) -%}
  {#- A node whose fingerprint is recorded when it is built: a whole-written parquet model (Stage 4), a table
      model whose SQL goes through unless_inputs_changed (config keep_unchanged: true) or a `kept_table` (marts). -#}
  {{ return((node.config.materialized == 'parquet_partitions' and not is_day_unit(node))
            or (node.config.materialized == 'table' and node.config.get('keep_unchanged'))
            or node.config.materialized == 'kept_table') }}
{%- endmacro %}

{% macro node_version(unique_id) -%}
  {#- A string that changes whenever the rows of a node change, or none when that cannot be told cheaply. -#}
  {%- set node = graph.nodes.get(unique_id) -%}
  {%- if node is none -%}{{ return(none) }}{%- endif -%}
  {%- if node.resource_type == 'seed' -%}{{ return('seed ' ~ node.checksum.checksum) }}{%- endif -%}
  {%- if node.resource_type != 'model' -%}{{ return(none) }}{%- endif -%}
  {%- if is_day_unit(node) or is_kept(node) -%}
    {{ return(node_versions([unique_id])[unique_id]) }}
  {%- endif -%}
  {%- set rel = node_relation(node) -%}
  {%- if node.config.materialized == 'incremental' -%}
    {#- run_query, not adapter.get_columns_in_relation: that opens a transaction, which an on-run-end hook (the
        reports) would leave open and dbt roll back with everything the hooks after it record -#}
    {%- if run_query("select count(*) from duckdb_columns() where database_name = " ~ sql_literal(rel.database) ~ " and schema_name = "
                     ~ sql_literal(rel.schema) ~ " and table_name = " ~ sql_literal(rel.identifier) ~ " and column_name = '_loaded_at'").rows[0][0] == 0 -%}
      {{ return(none) }}
    {%- endif -%}
    {{ return('loaded ' ~ run_query("select max(_loaded_at)::varchar || ' ' || count(*) from " ~ rel).rows[0][0]) }}
  {%- elif node.config.materialized in ('view', 'source_view') -%}
    {%- set r = run_query("select sql from duckdb_views() where database_name = " ~ sql_literal(rel.database) ~ " and schema_name = "
                          ~ sql_literal(rel.schema) ~ " and view_name = " ~ sql_literal(rel.identifier)).rows -%}
    {%- if r | length == 0 -%}{{ return(none) }}{%- endif -%}
    {%- set parts = ['view ' ~ local_md5(r[0][0])] -%}
    {%- for dep in node.depends_on.nodes | sort -%}
      {%- set v = node_version(dep) -%}
      {%- if v is none -%}{{ return(none) }}{%- endif -%}
      {%- do parts.append(dep ~ '=' ~ v) -%}
    {%- endfor -%}
    {{ return(local_md5(parts | join('\n'))) }}
  {%- endif -%}
  {{ return(none) }}
{%- endmacro %}

{% macro state_tables_ready() -%}
  {#- Whether main._inputs_seen exists: always in a build, run or test (the on-run-start hook creates it), else asked
      (`dbt compile` or `dbt show` on a warehouse an earlier version built). -#}
  {{ return(flags.WHICH in ('build', 'run', 'test', 'seed') or state_table_exists('_inputs_seen')) }}
{%- endmacro %}

{% macro node_versions(unique_ids, own_id=none) -%}
  {#- {unique_id: node_version} for `unique_ids`, the day-unit and kept nodes among them read in one query, and
      under '__seen__' what main._inputs_seen holds for `own_id` ({fingerprint, outputs} or none). -#}
  {%- set out = {'__seen__': none} -%}
  {%- set day_rels = {} -%}
  {%- set kept_ids = [own_id] if own_id else [] -%}
  {%- for uid in unique_ids -%}
    {%- set node = graph.nodes.get(uid) -%}
    {%- if node is not none and node.resource_type == 'model' and is_day_unit(node) -%}
      {%- do day_rels.update({node_relation(node) | string: uid}) -%}
      {%- do out.update({uid: none}) -%}
    {%- elif node is not none and node.resource_type == 'model' and is_kept(node) -%}
      {%- do kept_ids.append(uid) -%}
      {%- do out.update({uid: none}) -%}
    {%- else -%}
      {%- do out.update({uid: node_version(uid)}) -%}
    {%- endif -%}
  {%- endfor -%}
  {%- set parts = [] -%}
  {%- if day_rels -%}
    {#- a day-unit model's version: its last full export and its newest day export (none before a full one) -#}
    {%- do parts.append("select 'day', s.model, 'days ' || s.full_export_at::varchar || ' ' || coalesce((select max(exported_at) from main._export_days d "
                        ~ "where d.model = s.model)::varchar, '-'), null from main._export_state s where s.model in ("
                        ~ sql_literal_list(day_rels.keys() | list, brackets=false) ~ ") and s.full_export_at is not null") -%}
  {%- endif -%}
  {%- if kept_ids -%}
    {%- do parts.append("select 'kept', node_id, fingerprint, outputs from main._inputs_seen where node_id in ("
                        ~ sql_literal_list(kept_ids | unique | list, brackets=false) ~ ")") -%}
  {%- endif -%}
  {%- if parts -%}
    {%- for r in run_query(parts | join(' union all ')).rows -%}
      {%- if r[0] == 'day' -%}
        {%- do out.update({day_rels[r[1]]: r[2]}) -%}
      {%- else -%}
        {%- if r[1] == own_id -%}{%- do out.update({'__seen__': {'fingerprint': r[2], 'outputs': r[3]}}) -%}{%- endif -%}
        {%- if r[1] in unique_ids and r[2] is not none -%}{%- do out.update({r[1]: 'kept ' ~ r[2]}) -%}{%- endif -%}
      {%- endif -%}
    {%- endfor -%}
  {%- endif -%}
  {{ return(out) }}
{%- endmacro %}

{% macro inputs_state(body) -%}
  {#- For the node being compiled (`model`) reading its inputs through `body`: {'fingerprint': the md5 of `body` and
      of the version (node_version) of every node it depends on, none when one has none; 'seen': what
      main._inputs_seen holds for it}. Nothing outside execution or before the state tables exist. -#}
  {#- a unit test renders the model's SQL on its fixtures: never skipped -#}
  {%- if not execute or model is not defined or model.get('resource_type') not in ('model', 'test')
        or not (model.get('depends_on') or {}).get('nodes') is iterable or not state_tables_ready() -%}
    {{ return({'fingerprint': none, 'seen': none}) }}
  {%- endif -%}
  {%- set deps = model.depends_on.nodes | sort -%}
  {%- set versions = node_versions(deps, model.unique_id) -%}
  {%- set parts = [body] -%}
  {%- for dep in deps -%}
    {%- if versions[dep] is none -%}{{ return({'fingerprint': none, 'seen': versions['__seen__']}) }}{%- endif -%}
    {%- do parts.append(dep ~ '=' ~ versions[dep]) -%}
  {%- endfor -%}
  {{ return({'fingerprint': local_md5(parts | join('\n')), 'seen': versions['__seen__']}) }}
{%- endmacro %}

{% macro inputs_marker(fingerprint) -%}
  {{ return('/* inputs ' ~ fingerprint ~ ' */') }}
{%- endmacro %}

{% macro marked_fingerprint(compiled) -%}
  {#- The fingerprint unless_inputs_changed wrote into a node's compiled SQL, or none. -#}
  {%- set found = modules.re.findall('/\\* inputs ([0-9a-f]{32}) \\*/', compiled or '') -%}
  {{ return(found[-1] if found else none) }}
{%- endmacro %}

{% macro unless_inputs_changed(body, kind, run_body=none) -%}
  {{ return(adapter.dispatch('unless_inputs_changed')(body, kind, run_body)) }}
{%- endmacro %}

{% macro default__unless_inputs_changed(body, kind, run_body=none) -%}
  {#- The SQL of a node that reads all of history (`kind` 'table': a table model with config keep_unchanged: true;
      'test': a data test): `body` with its fingerprint appended as a comment, or, when the fingerprint is the one
      it was last built or passed with, what costs nothing - the table as it is (`select * from` itself) or a test
      with no rows. With `run_body` (SQL giving the same rows as `body` from less, e.g. the table itself and only the
      rows loaded since it was built): that runs when the inputs changed, while the fingerprint stays `body`'s. -#}
  {%- set state = inputs_state(body) -%}
  {%- set fingerprint, seen = state.fingerprint, state.seen -%}
  {%- if fingerprint is none -%}{{ return(body) }}{%- endif -%}
  {%- set same = seen is not none and seen.fingerprint == fingerprint -%}
  {%- if kind == 'table' -%}
    {%- set same = same and not flags.FULL_REFRESH and load_cached_relation(this) is not none -%}
    {%- if same -%}
      {{ return('select * from ' ~ this ~ '\n' ~ inputs_marker(fingerprint)) }}
    {%- endif -%}
  {%- elif same -%}
    {{ return("select 'inputs unchanged since the last pass' as kept where false\n" ~ inputs_marker(fingerprint)) }}
  {%- endif -%}
  {{ return((run_body or body) ~ '\n' ~ inputs_marker(fingerprint)) }}
{%- endmacro %}

{% macro spark__unless_inputs_changed(body, kind, run_body=none) -%}
  {{ return(body) }}
{%- endmacro %}

{% macro record_inputs_seen(fingerprint=none, outputs=none, node_id=none) -%}
  {{ return(adapter.dispatch('record_inputs_seen')(fingerprint, outputs, node_id)) }}
{%- endmacro %}

{% macro default__record_inputs_seen(fingerprint=none, outputs=none, node_id=none) -%}
  {#- The statement recording the fingerprint the node being built (`model`, or `node_id`: the reports of an ISO)
      was built with: given, or the one unless_inputs_changed wrote into its SQL (a post-hook of the kept tables).
      '' when there is none. -#}
  {%- if not execute -%}{{ return('') }}{%- endif -%}
  {%- set fingerprint = fingerprint or marked_fingerprint(sql) -%}
  {%- if fingerprint is none -%}{{ return('') }}{%- endif -%}
  {{ return("insert or replace into main._inputs_seen values (" ~ sql_literal(node_id or model.unique_id) ~ ", " ~ sql_literal(fingerprint)
            ~ ", " ~ (sql_literal(outputs) if outputs is not none else 'null') ~ ", now())") }}
{%- endmacro %}

{% macro spark__record_inputs_seen(fingerprint=none, outputs=none, node_id=none) -%}
  {{ return('') }}
{%- endmacro %}

{% macro record_passed_tests(results) -%}
  {{ return(adapter.dispatch('record_passed_tests')(results)) }}
{%- endmacro %}

{% macro default__record_passed_tests(results) -%}
  {#- on-run-end: the fingerprint of every test that passed (not warned) with one in its SQL, so the next build
      skips it while its inputs stay the same; a test that failed, warned or errored keeps running. -#}
  {%- if not execute -%}{{ return('') }}{%- endif -%}
  {%- set rows = [] -%}
  {%- for res in results if res.node.resource_type == 'test' and res.status == 'pass' -%}
    {%- set fingerprint = marked_fingerprint(res.node.compiled_code) -%}
    {%- if fingerprint is not none -%}
      {%- do rows.append('(' ~ sql_literal(res.node.unique_id) ~ ', ' ~ sql_literal(fingerprint) ~ ', null, now())') -%}
    {%- endif -%}
  {%- endfor -%}
  {%- if rows -%}
    {%- do run_query("insert or replace into main._inputs_seen values " ~ rows | join(', ')) -%}
  {%- endif -%}
  {{ return('') }}
{%- endmacro %}

{% macro spark__record_passed_tests(results) -%}
  {{ return('') }}
{%- endmacro %}

{% macro output_files(location, partitioned) -%}
  {#- The md5 of the sorted names of a parquet model's files: a file deleted or added by hand makes it differ. -#}
  {%- set pattern = parquet_glob(location) if partitioned else location -%}
  {%- set names = query_list("select file from glob(" ~ sql_literal(pattern) ~ ") order by 1") -%}
  {{ return(local_md5(names | join('\n')) if names else none) }}
{%- endmacro %}
