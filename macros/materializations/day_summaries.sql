{#-
  The Stage 2 day summaries: `main._day_keys`, one row per Stage 2 model, local day, key and settlement type (rows,
  non-NULL values, their sum, first and last interval of each), kept by each export for the days it wrote
  (day_keys_statements, called by record_export), so what needs per-key totals of a year of rows reads a few hundred
  thousand summary rows instead: fill_stats, the quality report's Stage 2 table and hub prices (and the alerts',
  ingest/monitor/common.py day_summary_model), and the keys fill_gaps and no_time_gaps have to look at
  (day_summary_model). DuckDB only: on Spark, and before a model's summary is complete (summarized_relation), they
  read the rows.
-#}

{% macro day_keys_statements(model, plan, summary) -%}
  {#- The statements keeping main._day_keys, the summary of a Stage 2 model per local day, key and settlement type
      (rows, non-NULL values, their sum, first and last interval of each; the type NULL without a settlement_type
      column), for the days an export wrote, read from the files just published
      (the model's view). Everything again on a full export and when the model has no complete summary yet (an
      export by an earlier version: the first export after an upgrade reads every day once). The fill statistics
      and the quality report read it instead of a year of rows (summarized_relation). -#}
  {%- set whole = plan.full or not summarized_relation(model) -%}
  {%- if not whole and plan.days | length == 0 -%}{{ return('select 1') }}{%- endif -%}
  {%- set typed = run_query("select count(*) from information_schema.columns where table_catalog = " ~ sql_literal(model.database)
                            ~ " and table_schema = " ~ sql_literal(model.schema) ~ " and table_name = " ~ sql_literal(model.identifier)
                            ~ " and column_name = 'settlement_type'").rows[0][0] > 0 -%}
  delete from main._day_keys where model = '{{ model }}'{% if not whole %} and day in ({{ sql_date_list(plan.days) }}){% endif %};
  insert into main._day_keys (model, day, key, row_count, value_count, first_row, last_row, first_value, last_value,
                              key_type, value_sum)
  select
      '{{ model }}',
      cast(datetime_local as date),
      cast(({{ summary.key }}) as varchar),
      count(*),
      count({{ summary.value }}),
      min(datetime),
      max(datetime),
      min(datetime) filter (where {{ summary.value }} is not null),
      max(datetime) filter (where {{ summary.value }} is not null),
      {{ 'settlement_type' if typed else 'cast(null as varchar)' }},
      sum({{ summary.value }})
  from {{ model }}
  {%- if not whole %}
  where {{ days_condition(plan.days) }}
  {%- endif %}
  group by all
{%- endmacro %}

{% macro summarized_relation(relation) -%}
  {#- Whether main._day_keys holds a complete summary of the day-unit model `relation` (every export since its
      summary was made kept it): `summarized_at` of its main._export_state row. False before the state tables
      exist and on Spark (no state tables). -#}
  {%- if not execute or target.type != 'duckdb'
        or not (flags.WHICH in ('build', 'run', 'test', 'seed') or state_table_exists('_day_keys')) -%}
    {{ return(false) }}
  {%- endif -%}
  {%- set r = run_query("select count(*) from main._export_state where model = " ~ sql_literal(relation | string)
                        ~ " and summarized_at is not null").rows[0][0] -%}
  {{ return(r > 0) }}
{%- endmacro %}

{% macro day_summary_model(relation, key_column, value_column=none) -%}
  {#- The model name under which main._day_keys summarizes `relation` by `key_column` (and `value_column`), or none:
      when `relation` is a Stage 2 model whose meta key_column (value_column) is that one and whose summary is
      complete (summarized_relation). fill_gaps and no_time_gaps then read the keys and bounds from the summary. -#}
  {#- a unit test renders the model on its fixtures (its graph has no nodes): never a summary -#}
  {%- set nodes = graph.get('nodes') if graph is mapping else none -%}
  {%- if not execute or relation is string or nodes is none or relation.identifier is not defined -%}{{ return(none) }}{%- endif -%}
  {%- for node in nodes.values() if node.resource_type == 'model' and node.alias == relation.identifier
        and node.schema == relation.schema -%}
    {%- set meta = node.config.get('meta', {}) -%}
    {%- if meta.get('key_column') == key_column and (value_column is none or meta.get('value_column') == value_column)
          and summarized_relation(relation) -%}
      {{ return(relation | string) }}
    {%- endif -%}
  {%- endfor -%}
  {{ return(none) }}
{%- endmacro %}
