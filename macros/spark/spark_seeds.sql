{% macro spark__load_csv_rows(model, agate_table) %}
  {#-
    Seeds on Spark with every value as an escaped literal. dbt-spark's own version hands the session cursor values
    wrapped in quotes without escaping them, so a seed cell holding an apostrophe (price_bounds' sources: "ERCOT's")
    breaks the statement. Spark string literals escape with a backslash.
  -#}
  {%- set column_override = model['config'].get('column_types', {}) -%}
  {%- set statements = [] -%}
  {%- for chunk in agate_table.rows | batch(get_batch_size()) -%}
    {%- set rows = [] -%}
    {%- for row in chunk -%}
      {%- set cells = [] -%}
      {%- for value in row -%}
        {%- set col_name = agate_table.column_names[loop.index0] -%}
        {%- set type = column_override.get(col_name, adapter.convert_type(agate_table, loop.index0)) -%}
        {%- do cells.append('cast(' ~ spark_literal(value) ~ ' as ' ~ type ~ ')') -%}
      {%- endfor -%}
      {%- do rows.append('(' ~ cells | join(', ') ~ ')') -%}
    {%- endfor -%}
    {%- set sql = 'insert into ' ~ this.render() ~ ' values ' ~ rows | join(',\n') -%}
    {%- do adapter.add_query(sql, abridge_sql_log=True) -%}
    {%- do statements.append(sql) -%}
  {%- endfor -%}
  {{ return(statements[0] if statements else '') }}
{% endmacro %}

{% macro spark_literal(value) -%}
  {#- A Python value of a seed cell as a Spark SQL literal: none -> null, a number as it is, a date or time quoted,
      text quoted with `\` and `'` escaped. -#}
  {%- if value is none -%}{{ return('null') }}
  {%- elif value is number -%}{{ return(value | string) }}
  {%- endif -%}
  {{ return("'" ~ (value | string | replace('\\', '\\\\') | replace("'", "\\'")) ~ "'") }}
{%- endmacro %}
