{#- Stage 4: combining Stage 2/3 datasets of one ISO into analysis-ready wide tables. -#}

{% macro relation_columns(relation, exclude=['datetime', 'year', 'month']) -%}
  {%- if not execute -%}{{ return([]) }}{%- endif -%}
  {%- set cols = [] -%}
  {%- for c in adapter.get_columns_in_relation(relation) -%}
    {%- if c.name not in exclude -%}{%- do cols.append(c.name) -%}{%- endif -%}
  {%- endfor -%}
  {{ return(cols) }}
{%- endmacro %}

{% macro combined_points(points_relation, available=none) -%}
  {#- Settlement points whose type is in var('combined_settlement_types') (default HUB, ZONE),
      restricted to `available` (e.g. the columns of a wide table) when given. -#}
  {%- set types = var('combined_settlement_types') -%}
  {%- set types = [types] if types is string else types -%}
  {%- set where -%}
    settlement_type in ({% for t in types %}{{ sql_string(t | upper) }}{{ ', ' if not loop.last }}{% endfor %})
  {%- endset -%}
  {%- set points = distinct_values(points_relation, 'settlement_point', where) -%}
  {%- if available is not none -%}
    {%- set points = points | select('in', available) | list -%}
  {%- endif -%}
  {{ return(points) }}
{%- endmacro %}

{% macro prefixed(alias, columns, prefix) -%}
  {%- for c in columns %}
    {{ alias }}.{{ adapter.quote(c) }} as {{ adapter.quote(prefix ~ c) }},
  {%- endfor %}
{%- endmacro %}

{% macro hourly_spine(relations, iso) -%}
  {#- A complete hourly UTC spine covering every relation given (each with a `datetime` column). -#}
    select {{ series_rows(hour_start('min(datetime)'), hour_start('max(datetime)'), 'interval 1 hour') }} as datetime
    from (
        {%- for r in relations %}
        select datetime from {{ r }}{{ ' union all' if not loop.last }}
        {%- endfor %}
    )
{%- endmacro %}

