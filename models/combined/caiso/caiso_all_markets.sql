{{ config(alias='all_markets', location=rollup_location('CAISO', 'combined/yearly/ALL_markets')) }}

{#- Stage 4 every CAISO market side by side, hourly: DA, AS, RT (15-minute RTPD) statistics and RT_5MIN_<point>, the
    hourly mean of the twelve 5-minute dispatch prices (PRC_INTVL_LMP). -#}
{%- set hourly = ref('caiso_da_as_rt_hourly') -%}
{%- set five_min_points = combined_points(ref('int_caiso__settlement_points'), distinct_values(ref('caiso_rt_5min'), 'settlement_point')) -%}

with five_min as (
    {{ hourly_rt_aggregates(ref('caiso_rt_5min'), five_min_points, 'rt_lmp', prefix='RT_5MIN', stats=['AVG']) }}
)

select
    h.datetime,
    {%- for col in relation_columns(hourly) %}
    h.{{ adapter.quote(col) }},
    {%- endfor %}
    {%- for p in five_min_points %}
    five_min.{{ adapter.quote('RT_5MIN_AVG_' ~ p) }} as {{ adapter.quote('RT_5MIN_' ~ p) }},
    {%- endfor %}
    h.year
from {{ hourly }} as h
left join five_min on five_min.datetime = h.datetime
order by h.datetime
