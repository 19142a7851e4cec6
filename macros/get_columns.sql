{% macro duckdb__get_columns_in_relation(relation) -%}
  {#- dbt-duckdb's own version runs DESCRIBE, which binds the relation: a staging view over a year of landed CSVs
      is bound again (it lists every landed file and reads the first: 1.3-2 s) for names and types the catalog
      already holds. This reads the catalog (duckdb_columns(), in column order, the types as DESCRIBE writes them),
      and falls back to DESCRIBE for what the catalog does not list (a relation without a schema, a file). -#}
  {%- if relation.schema and relation.identifier -%}
    {% call statement('get_columns_in_relation', fetch_result=True) %}
      select
          column_name,
          data_type,
          cast(null as bigint) as character_maximum_length,
          cast(null as bigint) as numeric_precision,
          cast(null as bigint) as numeric_scale
      from duckdb_columns()
      where database_name = {{ sql_literal(relation.database) if relation.database else 'current_database()' }}
        and lower(schema_name) = lower({{ sql_literal(relation.schema) }})
        and lower(table_name) = lower({{ sql_literal(relation.identifier) }})
      order by column_index
    {% endcall %}
    {%- set table = load_result('get_columns_in_relation').table -%}
    {%- if table | length > 0 -%}{{ return(sql_convert_columns_in_relation(table)) }}{%- endif -%}
  {%- endif -%}
  {% call statement('get_columns_in_relation', fetch_result=True) %}
      select
          column_name,
          column_type as data_type,
          cast(null as bigint) as character_maximum_length,
          cast(null as bigint) as numeric_precision,
          cast(null as bigint) as numeric_scale
      from (describe {{ relation.render() }})
  {% endcall %}
  {{ return(sql_convert_columns_in_relation(load_result('get_columns_in_relation').table)) }}
{%- endmacro %}
