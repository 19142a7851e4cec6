{{ config(alias='da_as_rt_native', location=rollup_location('CAISO', 'combined/yearly/DA_AS_RT_native')) }}

{#- Stage 4 at CAISO's RT grain (15 minutes, RTPD): datetime | DA_<point> | AS_<product>_<region> | RT_<point>; DA and
    AS come from the hour containing `datetime` (ASOF join: 4 rows per hour share them). -#}
{%- set combined = ref('caiso_da_as_combined') -%}
{%- set rt = ref('caiso_flat_rt_prices') -%}
{%- set points = combined_points(ref('int_caiso__settlement_points'), relation_columns(rt)) -%}
{%- set da_as_columns = relation_columns(combined) -%}

select
    rt.datetime,
    {%- for col in da_as_columns %}
    case when rt.datetime < c.datetime + interval 1 hour then c.{{ adapter.quote(col) }} end as {{ adapter.quote(col) }},
    {%- endfor %}
    {{- prefixed('rt', points, 'RT_') }}
    rt.year
from {{ rt }} as rt
asof left join {{ combined }} as c on rt.datetime >= c.datetime
order by rt.datetime
