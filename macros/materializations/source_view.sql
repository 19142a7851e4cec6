{#-
  Materialization `source_view` (DuckDB): the staging views over the landed CSVs. Creating such a view binds it,
  and binding lists every landed file its glob matches: 2 s at a year of SCED files (106,000), 5 s at 515,000, paid
  by every build before this. A view is therefore kept as it is when it exists and the md5 of its compiled SQL and
  of the version of every model it reads (node_version) is the one it was created with (main._inputs_seen, key
  'view <unique_id>'); --full-refresh, another SQL, a changed upstream view or a missing view re-create it. New
  landed files need no new view: the glob is read when the view is queried. Spark targets use dbt's `view`
  (dbt_project.yml picks the materialization by target type).
-#}

{% materialization source_view, adapter='duckdb' %}
  {%- set target_relation = this.incorporate(type='view') -%}
  {%- set existing = load_cached_relation(this) -%}
  {%- set key = 'view ' ~ model.unique_id -%}
  {%- set fingerprint = source_view_fingerprint(model, sql) -%}
  {%- set seen = run_query("select fingerprint from main._inputs_seen where node_id = " ~ sql_literal(key)).rows -%}
  {%- set kept = fingerprint is not none and existing is not none and existing.type == 'view' and not should_full_refresh()
                 and seen | length == 1 and seen[0][0] == fingerprint -%}

  {%- set record = record_inputs_seen(fingerprint, none, key) if fingerprint is not none
                   else "delete from main._inputs_seen where node_id = " ~ sql_literal(key) -%}
  {{ return(keep_or_create(target_relation, existing, kept, 'the view was created from this SQL and these inputs',
                           'create or replace view ' ~ target_relation ~ ' as ' ~ sql, record)) }}
{% endmaterialization %}

{% macro source_view_fingerprint(node, sql) -%}
  {#- The md5 of a staging view's compiled SQL and of the version of every model it reads; none when one of them has
      no version (the view is then created every time). Sources have no version: their columns are in the SQL. -#}
  {%- set parts = [sql] -%}
  {%- for dep in node.depends_on.nodes | sort if dep.startswith('model.') -%}
    {%- set v = node_version(dep) -%}
    {%- if v is none -%}{{ return(none) }}{%- endif -%}
    {%- do parts.append(dep ~ '=' ~ v) -%}
  {%- endfor -%}
  {{ return(local_md5(parts | join('\n'))) }}
{%- endmacro %}

{% macro keep_or_create(target_relation, existing, kept, kept_because, create_sql, record_sql) -%}
  {#- The body of the materializations that keep a relation while its inputs are unchanged (source_view,
      kept_table): the hooks, then either nothing (logged: `<relation>: kept: <kept_because>`) or the relation
      (re)created - an existing relation of another type dropped first - and its fingerprint recorded by `record_sql`
      in the same transaction. Returns the materialization's result. -#}
  {{ run_hooks(pre_hooks, inside_transaction=False) }}
  {{ run_hooks(pre_hooks, inside_transaction=True) }}
  {%- if kept -%}
    {%- do log(target_relation ~ ': kept: ' ~ kept_because) -%}
    {% call statement('main') -%} select 1 {%- endcall %}
  {%- else -%}
    {%- if existing is not none and existing.type != target_relation.type -%}
      {{ adapter.drop_relation(existing) }}
    {%- endif -%}
    {% call statement('main') -%}
      {{ create_sql }}
    {%- endcall %}
    {% call statement('record_state') -%}
      {{ record_sql }}
    {%- endcall %}
  {%- endif -%}
  {%- do persist_docs(target_relation, model) -%}
  {{ run_hooks(post_hooks, inside_transaction=True) }}
  {{ adapter.commit() }}
  {{ run_hooks(post_hooks, inside_transaction=False) }}
  {{ return({'relations': [target_relation]}) }}
{%- endmacro %}
