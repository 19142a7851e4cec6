{#- dbt's built-in generic tests on DuckDB, skipped while their inputs are those of their last pass (macro
    unless_inputs_changed): dbt dispatches test_<name> to the root project's duckdb__test_<name> first. The SQL
    is dbt's own. -#}

{% macro duckdb__test_not_null(model, column_name) -%}
  {{ unless_inputs_changed(dbt.default__test_not_null(model, column_name), 'test') }}
{%- endmacro %}

{% macro duckdb__test_unique(model, column_name) -%}
  {{ unless_inputs_changed(dbt.default__test_unique(model, column_name), 'test') }}
{%- endmacro %}

{% macro duckdb__test_accepted_values(model, column_name, values, quote=True) -%}
  {{ unless_inputs_changed(dbt.default__test_accepted_values(model, column_name, values, quote), 'test') }}
{%- endmacro %}

{% macro duckdb__test_relationships(model, column_name, to, field) -%}
  {{ unless_inputs_changed(dbt.default__test_relationships(model, column_name, to, field), 'test') }}
{%- endmacro %}
