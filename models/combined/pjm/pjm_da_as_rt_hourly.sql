{{ config(alias='da_as_rt_hourly', location=rollup_location('PJM', 'combined/yearly/DA_AS_RT_hourly')) }}

{#- Stage 4 DA + AS + RT, hourly: adds RT_AVG/MAX/MIN/STD_<point> over the twelve 5-minute intervals starting
    inside each hour (observed Stage 2 values, not the forward-filled ones). -#}
{{ da_as_rt_hourly(ref('pjm_da_as_combined'), ref('pjm_rt_prices'), ref('int_pjm__settlement_points')) }}
