{% macro point_name(iso, name_column, type_column) -%}
  {#- The settlement point name as every stage keys it: the ISO's name, plus the seed's `name_suffix` when the ISO
      publishes the same name under a second type with another price (ERCOT NP6-905-CD: `LZ_HOUSTON` typed `LZ`
      and again typed `LZEW`, energy weighted -> `LZ_HOUSTON` and `LZ_HOUSTON_EW`). Rules: seed
      settlement_point_types (match_kind iso_type). -#}
  trim({{ name_column }}) || coalesce((
    select t.name_suffix
    from {{ ref('settlement_point_types') }} as t
    where t.iso = '{{ iso }}' and t.match_kind = 'iso_type' and t.pattern = trim({{ type_column }})
  ), '')
{%- endmacro %}

{% macro typed_settlement_points(iso, seen_cte) -%}
  {#- From a CTE of (settlement_point, iso_point_type) rows: one row per point with settlement_type.
      Rule precedence: exact name, then the ISO's own type, then the longest name prefix; default NODE. -#}
, points as (
    select settlement_point, max(iso_point_type) as iso_point_type
    from {{ seen_cte }}
    group by settlement_point
),

rules as (
    select * from {{ ref('settlement_point_types') }} where iso = '{{ iso }}'
),

matches as (
    select
        p.settlement_point,
        r.settlement_type,
        case r.match_kind when 'exact' then 3000 when 'iso_type' then 2000 else 1000 end
            + length(r.pattern) as strength
    from points as p
    inner join rules as r
        on (r.match_kind = 'exact' and p.settlement_point = r.pattern)
        or (r.match_kind = 'iso_type' and p.iso_point_type = r.pattern)
        or (r.match_kind = 'prefix' and substr(p.settlement_point, 1, length(r.pattern)) = r.pattern)
),

best as (
    select settlement_point, max_by(settlement_type, strength) as settlement_type
    from matches
    group by settlement_point
)

select
    '{{ iso }}' as iso,
    p.settlement_point,
    p.iso_point_type,
    coalesce(b.settlement_type, 'NODE') as settlement_type
from points as p
left join best as b using (settlement_point)
{%- endmacro %}

{% macro settlement_points_since_built(iso, relations) -%}
  {#- The SQL of a settlement points table (typed_settlement_points) from the table as last built and only the rows
      of `relations` (intermediate models, each row stamped `_loaded_at`) loaded since: the same rows as reading every
      row (a point's iso_point_type is the max over its rows), from the rows of one day instead of a year. none - read
      everything - outside DuckDB, on --full-refresh, before the table exists or its build is recorded
      (main._inputs_seen), and when an input has rows but none loaded before that build (it was rebuilt). -#}
  {%- if not execute or target.type != 'duckdb' or flags.FULL_REFRESH or load_cached_relation(this) is none
        or not state_tables_ready() -%}
    {{ return(none) }}
  {%- endif -%}
  {%- set built_at = run_query("select max(recorded_at)::varchar from main._inputs_seen where node_id = " ~ sql_literal(model.unique_id)).rows[0][0] -%}
  {%- if built_at is none -%}{{ return(none) }}{%- endif -%}
  {%- set since = sql_literal(built_at) ~ "::timestamptz" -%}
  {%- set held = [] -%}
  {%- for r in relations -%}
    {#- rebuilt since: rows, none of them loaded before the build (an empty input has lost nothing) -#}
    {%- do held.append("(exists (select 1 from " ~ r ~ " where _loaded_at <= " ~ since ~ ") or not exists (select 1 from " ~ r ~ "))") -%}
  {%- endfor -%}
  {%- if not run_query("select " ~ held | join(' and ')).rows[0][0] -%}{{ return(none) }}{%- endif -%}
  {%- set sql -%}
with seen as (
    -- the points as last built ({{ built_at }}), and the rows loaded since
    select settlement_point, iso_point_type from {{ this }}
    {%- for r in relations %}
    union
    select settlement_point, iso_point_type from {{ r }} where _loaded_at > {{ since }}
    {%- endfor %}
)

{{ typed_settlement_points(iso, 'seen') }}
  {%- endset -%}
  {{ return(sql) }}
{%- endmacro %}
