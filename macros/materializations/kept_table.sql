{#-
  Materialization `kept_table` (DuckDB): a table rebuilt only when its inputs changed - the analyst models of
  `models/marts` (dbt_project.yml picks it there by target type; Spark targets use dbt's `table`). A view there was
  recomputed by each of its tests: the example mart's eight tests read a year of Stage 2 hub prices eight times
  on every build with a new day (~6 s of a year's new-day build). As a table it is computed once, its tests read
  the result, and with nothing new it is kept as it is: the md5 of its compiled SQL and of the version of every
  node it reads (inputs_state) is the one it was built with (main._inputs_seen, recorded in the same transaction),
  so the tests on it are skipped too (node_version: a kept node's recorded fingerprint). --full-refresh, another
  SQL, new rows upstream or a missing table rebuild it. A model reading something without a version (a source, a
  file) is rebuilt on every build.
-#}

{% materialization kept_table, adapter='duckdb' %}
  {%- set target_relation = this.incorporate(type='table') -%}
  {%- set existing = load_cached_relation(this) -%}
  {%- set state = inputs_state(sql) -%}
  {%- set kept = state.fingerprint is not none and state.seen is not none and state.seen.fingerprint == state.fingerprint
                 and existing is not none and existing.type == 'table' and not should_full_refresh() -%}
  {%- set record = record_inputs_seen(state.fingerprint) if state.fingerprint is not none
                   else "delete from main._inputs_seen where node_id = " ~ sql_literal(model.unique_id) -%}
  {{ return(keep_or_create(target_relation, existing, kept, 'the table was built from this SQL and these inputs',
                           'create or replace table ' ~ target_relation ~ ' as (\n' ~ sql ~ '\n)', record)) }}
{% endmaterialization %}
