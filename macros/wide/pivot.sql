{% macro distinct_values(relation, column, where='true') -%}
  {#- The sorted distinct values of a column, read at run time (column names of wide tables come from the data). -#}
  {%- if not execute -%}{{ return([]) }}{%- endif -%}
  {%- set rows = run_query("select distinct " ~ column ~ " from " ~ relation ~ " where " ~ where
                           ~ " and " ~ column ~ " is not null order by 1").columns[0].values() -%}
  {{ return(rows | list) }}
{%- endmacro %}

{% macro distinct_keys(relation, column='key') -%}
  {#- distinct_values(relation, column) for the two relations whose keys name the columns of a wide table, without
      reading a year of rows on every build: a Stage 2 model by its key column, and a filled_long model by `key` (the
      keys with a value: filled_long adds rows only after a key's first value), both from the Stage 2 day summaries
      (main._day_keys) when they are complete (summarized_relation); anything else from the rows. The same list
      (tested). -#}
  {%- if not execute -%}{{ return([]) }}{%- endif -%}
  {%- set stage2 = day_summary_model(relation, column) -%}
  {%- set having = 'true' -%}
  {%- if stage2 is none and column == 'key' -%}
    {%- set filled = filled_inputs(relation) -%}
    {%- if filled.long is not none and filled.key_column -%}
      {%- set stage2 = day_summary_model(filled.long, filled.key_column) -%}
      {%- set having = 'sum(value_count) > 0' -%}
    {%- endif -%}
  {%- endif -%}
  {%- if stage2 is none -%}{{ return(distinct_values(relation, column)) }}{%- endif -%}
  {{ return(run_query("select key from main._day_keys where model = " ~ sql_literal(stage2)
                      ~ " and key is not null group by key having " ~ having ~ " order by 1").columns[0].values() | list) }}
{%- endmacro %}

{% macro sql_string(value) -%}
  {{ sql_literal(value | string) }}
{%- endmacro %}

{% macro pivot_wide(relation, key_column='key', value_column='value', keys=none, group_by=['datetime', '_day', 'year']) -%}
  {#-
    Long -> wide with DuckDB PIVOT: one DOUBLE column per key, named exactly as the key (HB_NORTH, REG_UP).
    `keys` fixes the columns (and their order); by default they are the distinct keys of the relation, so
    every partition of the output shares the union of columns. Use as the top statement of the model. The
    relation is read through days_to_write_filter() on its `datetime_local`, with `_day` (its local date) in the
    group by, so a model written one day at a time (`days_from`) pivots only the days it rewrites and writes each
    month's file from the result (file_unit 'month'; `_day` is not written).
  -#}
  {%- set keys = keys if keys is not none else distinct_keys(relation, key_column) -%}
  {%- if keys | length == 0 -%}
    select {% for g in group_by %}{{ 'cast(datetime_local as date) as _day' if g == '_day' else g }}{{ ', ' if not loop.last }}{% endfor %} from {{ relation }} where false
  {%- else -%}
    {{ return(adapter.dispatch('pivot_keys')(relation, key_column, value_column, keys, group_by)) }}
  {%- endif -%}
{%- endmacro %}

{% macro default__pivot_keys(relation, key_column, value_column, keys, group_by) -%}
    pivot (select *, cast(datetime_local as date) as _day from {{ relation }} where {{ days_to_write_filter('datetime_local') }})
    on {{ key_column }} in ({% for k in keys %}{{ sql_string(k) }}{{ ', ' if not loop.last }}{% endfor %})
    using first({{ value_column }})
    group by {{ group_by | join(', ') }}
    order by {{ group_by[0] }}
{%- endmacro %}

{% macro as_product_columns(iso, relation, products_seed) -%}
  {#- AS products in the seed's column order (ERCOT: REG_UP, REG_DOWN, RRS, NSRS, ECRS), then any others seen. -#}
  {%- if not execute -%}{{ return([]) }}{%- endif -%}
  {%- set ordered = run_query("select as_product from " ~ products_seed ~ " where iso = '" ~ iso
                              ~ "' order by column_order").columns[0].values() | list -%}
  {%- set seen = distinct_keys(relation, 'key') -%}
  {{ return((ordered | select('in', seen) | list) + (seen | reject('in', ordered) | list)) }}
{%- endmacro %}

{% macro as_region_product_columns(iso, long_relation, products_seed) -%}
  {#- For ISOs that price AS per region (CAISO, PJM): wide column names `<as_product>_<as_region>`, products in the
      seed's column order, then regions alphabetically. -#}
  {%- if not execute -%}{{ return([]) }}{%- endif -%}
  {%- set ordered -%}
    select key from (
        select distinct a.as_product || '_' || a.as_region as key, coalesce(p.column_order, 999) as column_order, a.as_region
        from {{ long_relation }} as a
        left join {{ products_seed }} as p on p.iso = '{{ iso }}' and p.as_product = a.as_product
    )
    order by column_order, as_region, key
  {%- endset -%}
  {{ return(run_query(ordered).columns[0].values() | list) }}
{%- endmacro %}

{% macro wide_cell_sums(model, columns, scope) -%}
  {#- pivot_matches_long's reconciliation of a wide table, one row per `datetime`: its non-null cells, their sum and
      their sum weighted by column position (1, 2, ...). -#}
  {{ return(adapter.dispatch('wide_cell_sums')(model, columns, scope)) }}
{%- endmacro %}

{% macro default__wide_cell_sums(model, columns, scope) -%}
select
    datetime,
    list_count(v) as cells,
    coalesce(list_sum(v), 0) as total,
    list_dot_product(list_transform(v, lambda x: coalesce(x, 0)), [{% for c in columns %}{{ loop.index }}.0{{ ', ' if not loop.last }}{% endfor %}]) as weighted
from (
    select datetime, [{% for c in columns %}"{{ c }}"{{ ', ' if not loop.last }}{% endfor %}] as v
    from {{ model }}
    where {{ scope }}
)
{%- endmacro %}

{% macro wide_cells(model, columns, scope) -%}
  {#- pivot_matches_long's cells of a wide table for the intervals of CTE `differ`: (datetime, key, wide_value), one
      row per non-null cell. -#}
  {{ return(adapter.dispatch('wide_cells')(model, columns, scope)) }}
{%- endmacro %}

{% macro default__wide_cells(model, columns, scope) -%}
unpivot (select * exclude (year) from {{ model }} semi join differ using (datetime) where {{ scope }})
on columns(* exclude (datetime))
into name key value wide_value
{%- endmacro %}
