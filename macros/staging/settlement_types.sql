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
