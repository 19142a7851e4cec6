{{ config(alias='all_markets', location=rollup_location('ERCOT', 'combined/yearly/ALL_markets')) }}

{#- Stage 4 every ERCOT market side by side, hourly: DA, AS, RT (SCED) statistics and RT_SPP_<point>, the hourly
    mean of the four 15-minute settlement point prices. -#}
{%- set hourly = ref('ercot_da_as_rt_hourly') -%}
{%- set spp_points = combined_points(ref('int_ercot__settlement_points'), distinct_values(ref('ercot_rt_spp'), 'settlement_point')) -%}

with spp as (
    {{ hourly_rt_aggregates(ref('ercot_rt_spp'), spp_points, 'rt_lmp', prefix='RT_SPP', stats=['AVG']) }}
)

select
    h.datetime,
    {%- for col in relation_columns(hourly) %}
    h.{{ adapter.quote(col) }},
    {%- endfor %}
    {%- for p in spp_points %}
    spp.{{ adapter.quote('RT_SPP_AVG_' ~ p) }} as {{ adapter.quote('RT_SPP_' ~ p) }},
    {%- endfor %}
    h.year
from {{ hourly }} as h
left join spp on spp.datetime = h.datetime
order by h.datetime
