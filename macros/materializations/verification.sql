{#-
  Which days the expensive integrity tests of a day-unit model still have to check: the days no complete passing
  test run has covered (unverified_days_filter, used by the generic tests), and the on-run-end hook that marks them
  verified (record_verified).
-#}

{% macro unverified_days_filter(model, column, utc_column=none) -%}
  {{ return(adapter.dispatch('unverified_days_filter')(model, column, utc_column)) }}
{%- endmacro %}

{% macro default__unverified_days_filter(model, column, utc_column=none) -%}
  {#- For the expensive integrity tests of a model written one day at a time: a condition on `column` (a local
      timestamp) selecting the days no complete passing test run has covered yet - after an incremental export,
      the days it wrote (and any earlier ones a failing run left unverified). `true` (everything) when the last
      full export is not verified yet, before any export, and for every other model. record_verified keeps the
      state. With `utc_column` (the UTC timestamp of the rows, when `column` is an expression of it that DuckDB cannot
      push into a parquet scan, such as a wide table's local day), the condition also bounds `utc_column` to the
      days +- 1, so the scan skips the other days' row groups and files instead of reading every column of them. -#}
  {%- if not execute -%}{{ return('true') }}{%- endif -%}
  {%- set state = model_state(model) -%}
  {%- if state is none or state.full_export_at is none or state.verified_at is none
        or state.verified_at < state.full_export_at -%}
    {#- every day: the test's statement runs alone (macro run_alone) -#}
    {{ return('true ' ~ run_alone()) }}
  {%- endif -%}
  {%- set days = query_list("select distinct day::varchar from main._export_days where model = '" ~ model
                            ~ "' and verified_at is null order by 1") -%}
  {%- set condition = days_condition(days | list, column) -%}
  {%- if utc_column and days | length > 0 -%}
    {%- set day = modules.datetime.date.fromisoformat -%}
    {%- set one = modules.datetime.timedelta(days=1) -%}
    {%- set condition = "(" ~ utc_column ~ " >= timestamptz '" ~ (day(days | min) - one) ~ " 00:00:00+00' and " ~ utc_column
          ~ " < timestamptz '" ~ (day(days | max) + one + one) ~ " 00:00:00+00' and " ~ condition ~ ")" -%}
  {%- endif -%}
  {{ return(condition) }}
{%- endmacro %}

{% macro reverify_on_seed_change() -%}
  {{ return(adapter.dispatch('reverify_on_seed_change')()) }}
{%- endmacro %}

{% macro default__reverify_on_seed_change() -%}
  {#- Post-hook of a seed that day-scoped tests read (price_bounds: values_in_range): when the seed's file differs
      from the one last loaded (its checksum, kept in main._inputs_seen as 'verified with <seed id>'), the day-unit
      models those tests are attached to lose their verification mark, so the next tests check every day against
      the new contents, not only the days exported since. '' outside execution. -#}
  {%- if not execute -%}{{ return('') }}{%- endif -%}
  {%- set models = [] -%}
  {%- for t in graph.nodes.values() if t.resource_type == 'test' and model.unique_id in t.depends_on.nodes -%}
    {%- set node = graph.nodes.get(t.get('attached_node') or (t.depends_on.nodes | reject('equalto', model.unique_id) | first)) -%}
    {%- if node is not none and node.resource_type == 'model' and is_day_unit(node) -%}
      {%- set rel = api.Relation.create(database=node.database, schema=node.schema, identifier=node.alias) | string -%}
      {%- if rel not in models -%}{%- do models.append(rel) -%}{%- endif -%}
    {%- endif -%}
  {%- endfor -%}
  {%- set key = sql_literal('verified with ' ~ model.unique_id) -%}
  {%- set checksum = sql_literal(model.checksum.checksum) -%}
  {%- set statements = [] -%}
  {%- if models -%}
    {%- do statements.append("update main._export_state set verified_at = null where model in (" ~ sql_literal_list(models, brackets=false)
          ~ ") and (select fingerprint from main._inputs_seen where node_id = " ~ key ~ ") is distinct from " ~ checksum) -%}
  {%- endif -%}
  {%- do statements.append("insert or replace into main._inputs_seen values (" ~ key ~ ", " ~ checksum ~ ", null, now())") -%}
  {{ return(statements | join(';\n')) }}
{%- endmacro %}

{% macro verified_rows_window(model) -%}
  {{ return(adapter.dispatch('verified_rows_window')(model)) }}
{%- endmacro %}

{% macro default__verified_rows_window(model) -%}
  {#- For the row-count test of an intermediate model (appended file by file, each row stamped `_loaded_at`): how
      far a complete passing test run last covered it, {'loaded_through': newest `_loaded_at` then,
      'landing_seq_through': the registry's newest `landing_seq` then}, so the test compares only the files landed
      and the rows loaded since. `none` (compare everything) before any such run, and when the verified rows are no
      longer there (the model was rebuilt: its oldest row is newer than the mark). record_verified keeps it. -#}
  {%- if not execute or not state_table_exists('_verified_rows') -%}{{ return(none) }}{%- endif -%}
  {%- set r = run_query("select loaded_through::varchar, landing_seq_through from main._verified_rows where model = '"
                        ~ model ~ "' and loaded_through is not null and landing_seq_through is not null").rows -%}
  {%- if r | length == 0 -%}{{ return(none) }}{%- endif -%}
  {%- set kept = run_query("select coalesce(min(_loaded_at) <= " ~ sql_literal(r[0][0]) ~ "::timestamptz, false) from "
                           ~ model).columns[0].values()[0] -%}
  {{ return({'loaded_through': r[0][0], 'landing_seq_through': r[0][1]} if kept else none) }}
{%- endmacro %}

{% macro record_verified(results) %}
  {#- dispatched: the DuckDB body is default__record_verified, Spark's spark__record_verified (macros/spark/) -#}
  {{ return(adapter.dispatch('record_verified')(results)) }}
{% endmacro %}

{% macro default__record_verified(results) %}
  {#- on-run-end: a model written one day at a time whose every enabled test (attached to it) ran in this
      invocation, none failing or erroring, is verified up to its last export (warnings are findings, reported
      elsewhere, not failures). A partial test selection verifies nothing. -#}
  {%- if not execute -%}{{ return('') }}{%- endif -%}
  {%- set ran = {} -%}
  {%- for res in results if res.node.resource_type == 'test' -%}
    {%- do ran.update({res.node.unique_id: res.status}) -%}
  {%- endfor -%}
  {%- if ran | length == 0 -%}{{ return('') }}{%- endif -%}
  {%- set day_models = {} -%}
  {%- for node in graph.nodes.values() if node.resource_type == 'model' and node.config.materialized == 'parquet_partitions'
        and (node.config.get('changed_from') or node.config.get('days_from')) -%}
    {%- do day_models.update({node.name: node}) -%}
  {%- endfor -%}
  {%- set tests_of = {} -%}
  {%- for t in graph.nodes.values() if t.resource_type == 'test' and t.config.enabled -%}
    {%- do tests_of.setdefault(t.get('attached_node') or (t.depends_on.nodes | first), []).append(t.unique_id) -%}
  {%- endfor -%}
  {%- set statements = [] -%}
  {#- an intermediate model carrying row-count tests: where they stopped (verified_rows_window) -#}
  {%- set counted = {} -%}
  {%- for t in graph.nodes.values() if t.resource_type == 'test' and t.config.enabled
        and (t.test_metadata or {}).get('name') == 'rows_match_registry' -%}
    {%- do counted.update({t.get('attached_node') or (t.depends_on.nodes | first): t.test_metadata.kwargs.iso}) -%}
  {%- endfor -%}
  {%- for unique_id, iso in counted.items() if unique_id in graph.nodes -%}
    {%- set node = graph.nodes[unique_id] -%}
    {%- set tests = tests_of.get(unique_id, []) -%}
    {%- set not_passed = [] -%}
    {%- for t in tests if ran.get(t) not in ('pass', 'warn') -%}{%- do not_passed.append(t) -%}{%- endfor -%}
    {%- if not_passed | length == 0 -%}
      {%- set rel = api.Relation.create(database=node.database, schema=node.schema, identifier=node.alias) -%}
      {#- not while the registry has entries an older version wrote without landing_seq: the next landing numbers
          them after every other, and they would look new -#}
      {%- do statements.append("insert or replace into main._verified_rows "
            ~ "select '" ~ rel ~ "', (select max(_loaded_at) from " ~ rel ~ "), "
            ~ "(select coalesce(max(landing_seq), 0) from landing.landed_files where iso = " ~ sql_literal(iso) ~ "), now() "
            ~ "where exists (select 1 from " ~ rel ~ ") and not exists (select 1 from landing.landed_files"
            ~ " where iso = " ~ sql_literal(iso) ~ " and landing_seq is null)") -%}
    {%- endif -%}
  {%- endfor -%}
  {%- for node in day_models.values() -%}
    {%- set tests = tests_of.get(node.unique_id, []) -%}
    {%- set not_passed = [] -%}
    {%- for t in tests if ran.get(t) not in ('pass', 'warn') -%}{%- do not_passed.append(t) -%}{%- endfor -%}
    {%- if tests | length > 0 and not_passed | length == 0 -%}
      {%- set rel = api.Relation.create(database=node.database, schema=node.schema, identifier=node.alias) -%}
      {%- do statements.append("update main._export_days set verified_at = now() where model = '" ~ rel ~ "' and verified_at is null") -%}
      {%- do statements.append("update main._export_state set verified_at = now() where model = '" ~ rel ~ "'") -%}
    {%- endif -%}
  {%- endfor -%}
  {%- if statements | length > 0 -%}
    {%- do run_query(statements | join(';\n')) -%}
  {%- endif -%}
  {{ return('') }}
{% endmacro %}
