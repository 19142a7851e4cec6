{% macro run_alone() -%}
  {#- A comment marking a statement that reads a model's whole history (a full export, an integrity test over every
      day): the project's dbt-duckdb plugin (ingest/dbt_plugin.py, ALONE and StatementTurns) runs it only when no
      other dbt thread's statement runs and starts none beside it, so two of them never share DuckDB's memory cap.
      Every other statement runs beside the others. -#}
  /* iso_pipeline: alone */
{%- endmacro %}
