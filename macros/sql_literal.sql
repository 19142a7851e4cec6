{% macro sql_literal(value) -%}
  {{ return(adapter.dispatch('sql_literal')(value)) }}
{%- endmacro %}

{% macro default__sql_literal(value) -%}
  {#- Text as a SQL string literal: `it's` -> `'it''s'` (none -> null, a number as is). Every path, file name and value put into SQL text goes
      through here (file names come from whoever made the archive, ISO_DATA_DIR from the user). The Python side
      has the same rule in ingest/sqltext.py. -#}
  {%- if value is none -%}{{ return('null') }}
  {%- elif value is number -%}{{ return(value | string) }}
  {%- endif -%}
  {{- return("'" ~ (value | string | replace("'", "''")) ~ "'") -}}
{%- endmacro %}

{% macro sql_literal_list(values, brackets=true) -%}
  {#- A DuckDB list of string literals `['a', 'b''c']` (or, with brackets=false, `'a', 'b''c'` for an IN list). -#}
  {%- set items = [] -%}
  {%- for v in values -%}{%- do items.append(sql_literal(v)) -%}{%- endfor -%}
  {{- return(('[' ~ items | join(', ') ~ ']') if brackets else items | join(', ')) -}}
{%- endmacro %}
