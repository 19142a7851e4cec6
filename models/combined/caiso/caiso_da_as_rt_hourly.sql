{{ config(alias='da_as_rt_hourly', location=rollup_location('CAISO', 'combined/yearly/DA_AS_RT_hourly')) }}

{#- Stage 4 DA + AS + RT, hourly: adds RT_AVG/MAX/MIN/STD_<point> over the four 15-minute RTPD intervals starting
    inside each hour (observed Stage 2 values, not the forward-filled ones). -#}
{%- set combined = ref('caiso_da_as_combined') -%}
{%- set points = combined_points(ref('int_caiso__settlement_points'), distinct_values(ref('caiso_rt_prices'), 'settlement_point')) -%}
{%- set rt_columns = [] -%}
{%- for stat in ['AVG', 'MAX', 'MIN', 'STD'] -%}{%- for p in points -%}{%- do rt_columns.append('RT_' ~ stat ~ '_' ~ p) -%}{%- endfor -%}{%- endfor -%}

with rt as (
    {{ hourly_rt_aggregates(ref('caiso_rt_prices'), points, 'rt_lmp') }}
)

select
    c.datetime,
    {%- for col in relation_columns(combined) %}
    c.{{ adapter.quote(col) }},
    {%- endfor %}
    {%- for col in rt_columns %}
    rt.{{ adapter.quote(col) }},
    {%- endfor %}
    c.year
from {{ combined }} as c
left join rt on rt.datetime = c.datetime
order by c.datetime
