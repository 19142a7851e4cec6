{#-
  on-run-end: rollup_files/gaps_report.md and rollup_files/quality_report.md for every ISO this invocation built
  or tested. Markdown, readable on GitHub. Which models belong to which ISO, stage and dataset comes from macro
  node_meta (folder-level +meta; filled models: grain_minutes), so a new ISO's models appear without touching this file.
  Beside them quality_report.html, the checks drawn (coverage heatmaps, the fill rule's gaps, hub prices, stage
  timings), rendered in Python by the plugin function iso_quality_html (ingest/dbt_plugin.py -> ingest/quality_html.py),
  which reads the warehouse itself.
-#}

{% macro md_cell(value) -%}
  {%- if value is none -%}-{%- elif value is number -%}{{ '{:,}'.format(value) if value is integer else '{:,.4g}'.format(value) }}
  {%- else -%}{{ value | string | replace('|', '\\|') | replace('\n', ' ') }}{%- endif -%}
{%- endmacro %}

{% macro md_table(headers, rows) -%}
| {{ headers | join(' | ') }} |
|{% for h in headers %}---|{% endfor %}
{% for r in rows -%}
| {% for v in r %}{{ md_cell(v) }}{{ ' | ' if not loop.last }}{% endfor %} |
{% endfor -%}
{%- endmacro %}

{% macro nodes_of(iso, key, value) -%}
  {%- set out = [] -%}
  {%- for node in graph.nodes.values() | sort(attribute='name') -%}
    {%- set meta = node_meta(node) -%}
    {%- if node.resource_type == 'model' and meta.iso == iso and meta.get(key) == value and meta.dataset -%}
      {%- do out.append(node) -%}
    {%- endif -%}
  {%- endfor -%}
  {{ return(out) }}
{%- endmacro %}

{% macro node_relation(node) -%}
  {{ return(api.Relation.create(database=node.database, schema=node.schema, identifier=node.alias)) }}
{%- endmacro %}

{% macro relation_exists(node) -%}
  {#- from dbt's relation cache (the warehouse's schemas as listed when the run started, and what the run built since):
      no query per node -#}
  {{ return(adapter.get_relation(database=node.database, schema=node.schema, identifier=node.alias) is not none) }}
{%- endmacro %}

{% macro write_reports(results) %}
  {#- dispatched: the DuckDB body is default__write_reports, Spark's spark__write_reports (macros/spark/) -#}
  {{ return(adapter.dispatch('write_reports')(results)) }}
{% endmacro %}

{% macro default__write_reports(results) %}
  {%- if not execute or flags.WHICH not in ('build', 'run', 'test') -%}{{ return('') }}{%- endif -%}
  {%- set built_isos = [] -%}
  {%- set isos = project_isos() | map('lower') | list -%}
  {%- set sources = (graph.get('sources') or {}).keys() | list -%}
  {%- for res in results if res.node.resource_type != 'test' or res.node.depends_on.nodes | reject('in', sources) | list -%}
    {#- the node's ISO (a test: the tested node's); else the one ISO its tags or folder name (seeds carry every
        ISO's tag so that `--select tag:<iso>` builds them: they make no ISO's reports). A test of sources only (an
        ISO's landed_data_exists on landing.landed_files, which `--select path:models/staging/ercot` picks for every
        ISO) makes none either: the reports show built models, and that ISO built none in this run. -#}
    {%- set named = [node_meta(res.node).iso | lower] if node_meta(res.node).iso else
                    isos | select('in', res.node.tags) | list or
                    isos | select('in', res.node.original_file_path.split('/')) | list -%}
    {%- if named | length == 1 and named[0] | upper not in built_isos -%}{%- do built_isos.append(named[0] | upper) -%}{%- endif -%}
  {%- endfor -%}
  {%- for iso in built_isos -%}
    {%- set fingerprint = reports_fingerprint(iso, results) -%}
    {%- set outputs = rollup_location(iso, '*_report.*') -%}
    {%- set seen = node_versions([], 'reports ' ~ iso)['__seen__'] if fingerprint is not none else none -%}
    {%- if seen is not none and seen.fingerprint == fingerprint and seen.outputs == output_files(outputs, false) -%}
      {%- do log(iso ~ ' reports kept: the data, the checks of this run and the project are those of the last reports', info=true) -%}
    {%- else -%}
      {%- do write_gaps_report(iso) -%}
      {%- do write_quality_report(iso, results) -%}
      {%- do write_quality_html(iso, results) -%}
      {%- if fingerprint is not none -%}
        {%- do run_query(record_inputs_seen(fingerprint, output_files(outputs, false), 'reports ' ~ iso)) -%}
      {%- endif -%}
    {%- endif -%}
  {%- endfor -%}
  {{ return('') }}
{% endmacro %}

{% macro reports_fingerprint(iso, results) -%}
  {#- What the ISO's reports show, as one md5: the version (node_versions) of every model of the ISO past staging,
      the landing record's summary (files and quarantined files: count, newest), the outcome of every test of this
      run, the project's files and versions (plugin function iso_project_version) and whether the HTML is drawn.
      None when a model has no version or the state tables are not there: the reports are then written. -#}
  {%- if not state_tables_ready() -%}{{ return(none) }}{%- endif -%}
  {%- set ids = [] -%}
  {%- for node in graph.nodes.values() if node.resource_type == 'model' and node_meta(node).iso == iso
                                          and node_meta(node).stage not in ('staging', none) -%}
    {%- do ids.append(node.unique_id) -%}
  {%- endfor -%}
  {%- set versions = node_versions(ids | sort) -%}
  {%- set parts = [iso, env_var('ISO_QUALITY_HTML', '')] -%}
  {%- for uid in ids | sort -%}
    {%- if versions[uid] is none -%}{{ return(none) }}{%- endif -%}
    {%- do parts.append(uid ~ '=' ~ versions[uid]) -%}
  {%- endfor -%}
  {%- do parts.append(run_query("select iso_project_version() || ' ' || (select count(*) || ' ' || coalesce(max(landed_at)::varchar, '-') "
        ~ "from landing.landed_files where iso = " ~ sql_literal(iso) ~ ") || ' ' || (select count(*) || ' ' || "
        ~ "coalesce(max(quarantined_at)::varchar, '-') from landing.quarantined_files where iso = " ~ sql_literal(iso) ~ ")").rows[0][0]) -%}
  {%- for res in results | sort(attribute='node.unique_id') if res.node.resource_type == 'test' and node_meta(res.node).iso == iso -%}
    {%- do parts.append(res.node.unique_id ~ ' ' ~ res.status ~ ' ' ~ res.failures ~ ' ' ~ (res.message or '')) -%}
  {%- endfor -%}
  {{ return(local_md5(parts | join('\n'))) }}
{%- endmacro %}

{% macro write_markdown(iso, name, text) -%}
  {%- do run_query("select iso_write_text(" ~ sql_literal(rollup_location(iso, name)) ~ ", " ~ sql_literal(text) ~ ")") -%}
{%- endmacro %}

{% macro write_quality_html(iso, results) -%}
  {#- quality_report.html, drawn by the plugin function (one call per ISO). The run history records this run only
      after the reports (record_run_end), so its stage timings are passed from `results`: node seconds per stage,
      tests apart, as monitoring.run_stages sums them. A drawing error is a warning and a page saying so. -#}
  {%- set stages = {} -%}
  {%- for res in results if node_meta(res.node).iso == iso -%}
    {%- set label = 'tests' if res.node.resource_type == 'test' else (node_meta(res.node).stage or res.node.resource_type) -%}
    {%- do stages.update({label: stages.get(label, 0) + (res.execution_time or 0)}) -%}
  {%- endfor -%}
  {%- set run = {'invocation_id': invocation_id, 'command': flags.WHICH, 'stages': stages,
                 'written_at': run_started_at.strftime('%Y-%m-%d %H:%M UTC')} -%}
  {%- set status = run_query("select iso_quality_html(" ~ sql_literal(iso) ~ ", "
        ~ sql_literal(rollup_location(iso, 'quality_report.html')) ~ ", " ~ sql_literal(tojson(run)) ~ ")").rows[0][0] -%}
  {%- if status.startswith('error') -%}
    {%- do exceptions.warn(iso ~ ' quality_report.html could not be drawn (' ~ status ~ '); the build is unaffected') -%}
  {%- else -%}
    {%- do log(iso ~ ' quality_report.html: ' ~ status) -%}
  {%- endif -%}
{%- endmacro %}

{% macro no_data_notice(iso) -%}
  {#- A line for the top of a report when the ISO has no landed file at all: empty tables are not "all green". -#}
  {%- set n = run_query("select count(*) from landing.landed_files where iso = " ~ sql_literal(iso)).rows[0][0] -%}
  {{ return('' if n > 0 else '\n**No data landed for ' ~ iso ~ '**: nothing below was checked. Land files first (`iso-pipeline land '
            ~ iso | lower ~ ' PATH` or `iso-pipeline download ' ~ iso | lower ~ ' ...`), then build again.\n') }}
{%- endmacro %}

{% macro report_row(node, sql) -%}
  {#- The one row of `sql`, a summary of `node`'s rows (values JSON can carry: numbers, text, null), computed again
      only when the node's rows changed: kept in main._report_rows with the node's version (node_version) it was
      computed at. A node without a version is read every time. -#}
  {%- set version = node_version(node.unique_id) if state_tables_ready() else none -%}
  {%- set key = node.unique_id ~ ' ' ~ local_md5(sql) -%}
  {%- if version is not none -%}
    {%- set kept = run_query("select row_values from main._report_rows where key = " ~ sql_literal(key) ~ " and version = "
                             ~ sql_literal(version)).rows -%}
    {%- if kept | length > 0 -%}{{ return(fromjson(kept[0][0])) }}{%- endif -%}
  {%- endif -%}
  {%- set values = fromjson(run_query("select to_json(t) from (" ~ sql ~ ") as t").rows[0][0]).values() | list -%}
  {%- if version is not none -%}
    {%- do run_query("insert or replace into main._report_rows values (" ~ sql_literal(key) ~ ", " ~ sql_literal(version) ~ ", "
                     ~ sql_literal(tojson(values)) ~ ", now())") -%}
  {%- endif -%}
  {{ return(values) }}
{%- endmacro %}

{% macro write_gaps_report(iso) %}
  {%- set max_rows = 200 -%}
  {%- set md = [] -%}
  {%- do md.append('# ' ~ iso ~ ' gaps report\n\nWritten by `dbt build` at ' ~ run_started_at.strftime('%Y-%m-%d %H:%M UTC')
       ~ '. Fill rule (Stage 3): a run of k missing intervals of L minutes is forward-filled when k x L < '
       ~ var('ffill_max_gap_minutes') ~ ' minutes (var `ffill_max_gap_minutes`), otherwise left NULL; '
       ~ 'nothing before a column\'s first value is filled. Times are UTC interval starts; a gap ends where data resumes.\n') -%}
  {%- do md.append(no_data_notice(iso)) -%}
  {%- set summary_rows = [] -%}
  {%- set sections = [] -%}
  {%- set stats_nodes = graph.nodes.values() | selectattr('resource_type', 'equalto', 'model') | selectattr('alias', 'equalto', 'fill_stats')
                        | selectattr('config.meta.iso', 'equalto', iso) | list -%}
  {%- set stats = node_relation(stats_nodes[0]) if stats_nodes and relation_exists(stats_nodes[0]) else none -%}
  {%- for node in graph.nodes.values() | sort(attribute='name') -%}
    {%- set meta = node.config.meta -%}
    {%- if node.resource_type == 'model' and meta.get('iso') == iso and meta.get('grain_minutes') and relation_exists(node) -%}
      {%- set rel = node_relation(node) -%}
      {%- set grain = meta.get('grain_minutes') -%}
      {%- set gaps_sql -%}
        select key, min(datetime) as gap_start, max(datetime) + interval ({{ grain }}) minute as gap_end,
               count(*) as intervals, count(*) * {{ grain }} as minutes, bool_and(filled) as filled
        from {{ rel }} where not observed group by key, gap_run
      {%- endset -%}
      {%- if stats is not none -%}
        {#- the ISO's fill_stats (built from the same series, rebuilt only when it changed): no read of history -#}
        {%- set s = run_query("select count(*), coalesce(sum(cells), 0), coalesce(sum(filled_cells), 0), coalesce(sum(null_cells), 0), "
                ~ "coalesce(sum(filled_gaps), 0), coalesce(sum(unfilled_gaps), 0) from " ~ stats ~ " where dataset = " ~ sql_literal(meta.dataset)).rows[0] -%}
        {%- set g = [s[4], s[5]] -%}
      {%- else -%}
        {%- set s = run_query("select count(distinct key), count(*), count(*) filter (where filled), "
                ~ "count(*) filter (where not observed and not filled) from " ~ rel ~ " where true").rows[0] -%}
        {%- set g = run_query("select count(*) filter (where filled), count(*) filter (where not filled) from (" ~ gaps_sql ~ ")").rows[0] -%}
      {%- endif -%}
      {%- do summary_rows.append([meta.dataset, grain, s[0], s[1], s[2], s[3], g[0], g[1]]) -%}
      {%- set rows = run_query("select * from (" ~ gaps_sql ~ ") order by key, gap_start limit " ~ max_rows).rows -%}
      {%- set section = ['\n## ' ~ meta.dataset ~ ' (' ~ grain ~ '-minute grain)\n\n'] -%}
      {%- if s[0] == 0 -%}
        {%- do section.append('No data: nothing of this dataset has reached Stage 3, so no interval was checked.\n') -%}
      {%- elif rows | length == 0 -%}
        {%- do section.append('No missing intervals.\n') -%}
      {%- else -%}
        {%- set table_rows = [] -%}
        {%- for r in rows -%}
          {%- do table_rows.append([r[0], r[1].strftime('%Y-%m-%d %H:%M'), r[2].strftime('%Y-%m-%d %H:%M'), r[3], r[4],
                                    'forward-filled' if r[5] else 'left NULL']) -%}
        {%- endfor -%}
        {%- do section.append(md_table(['point', 'gap start (UTC)', 'gap end (UTC)', 'intervals', 'minutes', 'handling'], table_rows)) -%}
        {%- if (g[0] + g[1]) > max_rows -%}
          {%- do section.append('\n(first ' ~ max_rows ~ ' of ' ~ (g[0] + g[1]) ~ ' gaps; all of them: `select * from ' ~ rel ~ ' where not observed`)\n') -%}
        {%- endif -%}
      {%- endif -%}
      {%- do sections.append(section | join('')) -%}
    {%- endif -%}
  {%- endfor -%}
  {%- do md.append('\n## Summary\n\n' ~ md_table(['dataset', 'grain (min)', 'columns', 'cells', 'filled cells', 'NULL cells', 'gaps filled', 'gaps left NULL'], summary_rows)) -%}
  {%- do md.append(sections | join('')) -%}
  {%- do write_markdown(iso, 'gaps_report.md', md | join('')) -%}
{% endmacro %}

{% macro write_quality_report(iso, results) %}
  {%- set md = ['# ' ~ iso ~ ' quality report\n\nWritten by `dbt build` at ' ~ run_started_at.strftime('%Y-%m-%d %H:%M UTC')
               ~ ' (invocation `' ~ invocation_id ~ '`).\n', no_data_notice(iso)] -%}

  {#- Stage 1 -#}
  {%- set landed = run_query("select dataset, format, count(*), sum(rows), sum(bytes), count(distinct header), min(landed_at), max(landed_at) "
        ~ "from landing.landed_files where iso = '" ~ iso ~ "' group by 1, 2 order by 1, 2").rows -%}
  {%- set quarantined = run_query("select coalesce(dataset, '(unrecognised)'), reason, count(*) from landing.quarantined_files where iso = '"
        ~ iso ~ "' group by 1, 2 order by 1, 2").rows -%}
  {%- set stage1 = [] -%}
  {%- for r in landed -%}{%- do stage1.append([r[0], r[1], r[2], r[3], r[4], r[5], r[7].strftime('%Y-%m-%d %H:%M')]) -%}{%- endfor -%}
  {%- do md.append('\n## Stage 1: landed CSVs\n\n' ~ md_table(['dataset', 'format', 'files', 'rows', 'bytes', 'distinct headers', 'last landed (UTC)'], stage1)) -%}
  {%- if quarantined | length > 0 -%}
    {%- do md.append('\nQuarantined (see `quarantine/`, one reason file each):\n\n' ~ md_table(['dataset', 'reason', 'files'], quarantined)) -%}
  {%- else -%}
    {%- do md.append('\nNothing quarantined.\n') -%}
  {%- endif -%}
  {%- set changes = run_query("select dataset, format, header, count(*) from landing.quarantined_files where iso = '" ~ iso
        ~ "' and header is not null group by 1, 2, 3 order by 1").rows -%}
  {%- do md.append('\nSchema changes (headers that differ from the registered one, seed `iso_reports`): '
       ~ ((changes | length) ~ ' seen.\n\n' ~ md_table(['dataset', 'format', 'header seen', 'files'], changes) if changes | length > 0 else 'none.\n')) -%}

  {#- Stage 2 -#}
  {%- set stage2 = [] -%}
  {%- for node in nodes_of(iso, 'stage', 'rollup') if relation_exists(node) -%}
    {%- set m = node.config.meta -%}
    {%- set all_rows = api.Relation.create(database=node.database, schema=node.schema, identifier=m.landed_rows_model) -%}
    {#- from the model's day summaries (main._day_keys) when it keeps them: the same numbers, without a year of rows -#}
    {%- if summarized_relation(node_relation(node)) -%}
      {%- set r = report_row(node, "select coalesce(sum(row_count), 0)::bigint as n, coalesce(sum(row_count - value_count), 0)::bigint as nulls, "
            ~ "count(distinct key) as points, strftime(timezone('UTC', min(first_row)), '%Y-%m-%d %H:%M') as first, "
            ~ "strftime(timezone('UTC', max(last_row)), '%Y-%m-%d %H:%M') as last, count(distinct year(day)) as years "
            ~ "from main._day_keys where model = " ~ sql_literal(node_relation(node) | string)) -%}
    {%- else -%}
      {%- set r = report_row(node, "select count(*) as n, count(*) filter (where " ~ m.value_column ~ " is null) as nulls, count(distinct " ~ m.key_column
            ~ ") as points, strftime(timezone('UTC', min(datetime)), '%Y-%m-%d %H:%M') as first, "
            ~ "strftime(timezone('UTC', max(datetime)), '%Y-%m-%d %H:%M') as last, count(distinct year) as years from " ~ node_relation(node)) -%}
    {%- endif -%}
    {#- duplicates: landed rows beyond one per key. Stage 2 holds exactly one row per distinct landed key
        (keys_preserved tests it), so they are the landed rows minus Stage 2's; where a landed row is one component of
        a key (CAISO lands one row per price component), meta duplicate_key names the landed key to count -#}
    {%- set n_all = run_query("select count(*) from " ~ all_rows).rows[0][0] -%}
    {%- if m.get('duplicate_key') -%}
      {%- set landed_node = graph.nodes.get('model.' ~ project_name ~ '.' ~ m.landed_rows_model) -%}
      {%- set n_keys = (report_row(landed_node, "select count(distinct (" ~ m.duplicate_key ~ ")) as n from " ~ all_rows) if landed_node
                        else run_query("select count(distinct (" ~ m.duplicate_key ~ ")) from " ~ all_rows).rows[0])[0] -%}
    {%- else -%}
      {%- set n_keys = r[0] -%}
    {%- endif -%}
    {%- do stage2.append([m.dataset, n_all, r[0], n_all - n_keys, r[1], r[2], r[3], r[4], r[5]]) -%}
  {%- endfor -%}
  {%- do md.append('\n## Stage 2: long typed parquet\n\nDuplicates resolved: rows for an (interval, point) already delivered by another file or SCED run (the latest wins).\n\n'
       ~ md_table(['dataset', 'landed rows', 'rows', 'duplicates resolved', 'NULL prices', 'points', 'first (UTC)', 'last (UTC)', 'years'], stage2)) -%}

  {#- Stage 3 / 4 -#}
  {%- for stage, title in [('flattened', 'Stage 3: wide (flattened)'), ('combined', 'Stage 4: combined')] -%}
    {%- set rows = [] -%}
    {%- for node in nodes_of(iso, 'stage', stage) if relation_exists(node) -%}
      {%- set rel = node_relation(node) -%}
      {%- set n = run_query("select count(*), min(datetime), max(datetime), (select count(*) from information_schema.columns "
            ~ "where table_schema = '" ~ node.schema ~ "' and table_name = '" ~ node.alias ~ "') from " ~ rel).rows[0] -%}
      {%- do rows.append([node.config.meta.dataset, n[0], n[3], n[1].strftime('%Y-%m-%d %H:%M') if n[1] else none,
                          n[2].strftime('%Y-%m-%d %H:%M') if n[2] else none]) -%}
    {%- endfor -%}
    {%- do md.append('\n## ' ~ title ~ '\n\n' ~ md_table(['dataset', 'rows', 'columns', 'first (UTC)', 'last (UTC)'], rows)) -%}
  {%- endfor -%}

  {#- Tests -#}
  {%- set counts = {} -%}
  {%- set failing = [] -%}
  {%- for res in results if res.node.resource_type == 'test' and node_meta(res.node).iso == iso -%}
    {%- do counts.update({res.status: counts.get(res.status, 0) + 1}) -%}
    {%- if res.status in ('fail', 'warn', 'error') -%}
      {%- do failing.append([res.status, res.node.name, res.failures, (res.message or '') | truncate(160)]) -%}
    {%- endif -%}
  {%- endfor -%}
  {%- set count_rows = [] -%}
  {%- for k in counts | sort -%}{%- do count_rows.append([k, counts[k]]) -%}{%- endfor -%}
  {%- do md.append('\n## Tests of this run\n\nIntegrity failures (duplicates, impossible values, lost rows, pivot or join errors) are errors; '
       ~ 'availability findings (gaps, incomplete days) are warnings listed in gaps_report.md.\n\n' ~ md_table(['status', 'tests'], count_rows)) -%}
  {%- if failing | length > 0 -%}
    {#- by status and name: the order the tests finished in is the threads', not the data's -#}
    {%- do md.append('\n' ~ md_table(['status', 'test', 'failing rows', 'message'], failing | sort(attribute='0,1'))) -%}
  {%- endif -%}
  {%- do write_markdown(iso, 'quality_report.md', md | join('')) -%}
{% endmacro %}
