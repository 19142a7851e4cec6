{#- The failing-rows SELECT of the column-mapping tests (tests/generic/mappings_match_sources.sql, mappings_match_staging.sql). -#}
{% macro mapping_problems_sql(problems) -%}
  {%- if problems | length == 0 -%}
select cast(null as string) as iso, cast(null as string) as format, cast(null as string) as column_name, cast(null as string) as problem
where false
  {%- else -%}
select * from (values
  {%- for p in problems %}
  ({{ sql_literal(p[0]) }}, {{ sql_literal(p[1]) }}, {{ sql_literal(p[2]) }}, {{ sql_literal(p[3]) }}){{ ',' if not loop.last }}
  {%- endfor %}
) as t(iso, format, column_name, problem)
  {%- endif -%}
{%- endmacro %}
