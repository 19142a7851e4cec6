{% macro unpivot_columns(relation, columns, name_column, value_column) -%}
  {#- A wide relation long: one row per input row and column of `columns` (already quoted), the column's name in
      `name_column` and its value in `value_column`; null values dropped (both engines' default). -#}
  {{ return(adapter.dispatch('unpivot_columns')(relation, columns, name_column, value_column)) }}
{%- endmacro %}

{% macro default__unpivot_columns(relation, columns, name_column, value_column) -%}
  unpivot {{ relation }}
    on {{ columns | join(', ') }}
    into name {{ name_column }} value {{ value_column }}
{%- endmacro %}
