{#-
  Which days the expensive integrity tests of a day-unit model still have to check: the days no complete passing
  test run has covered (unverified_days_filter, used by the generic tests), and the on-run-end hook that marks them
  verified (record_verified).
-#}

{% macro unverified_days_filter(model, column) -%}
  {{ return(adapter.dispatch('unverified_days_filter')(model, column)) }}
{%- endmacro %}

{% macro default__unverified_days_filter(model, column) -%}
  {#- For the expensive integrity tests of a model written one day at a time: a condition on `column` (a local
      timestamp) selecting the days no complete passing test run has covered yet - after an incremental export,
      the days it wrote (and any earlier ones a failing run left unverified). `true` (everything) when the last
      full export is not verified yet, before any export, and for every other model. record_verified keeps the
      state. -#}
  {%- if not execute -%}{{ return('true') }}{%- endif -%}
  {%- set state = model_state(model) -%}
  {%- if state is none or state.full_export_at is none or state.verified_at is none
        or state.verified_at < state.full_export_at -%}
    {{ return('true') }}
  {%- endif -%}
  {%- set days = query_list("select distinct day::varchar from main._export_days where model = '" ~ model
                            ~ "' and verified_at is null order by 1") -%}
  {{ return(days_condition(days | list, column)) }}
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
