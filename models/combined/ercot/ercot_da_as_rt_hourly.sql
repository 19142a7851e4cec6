{{ config(alias='da_as_rt_hourly', location=rollup_location('ERCOT', 'combined/yearly/DA_AS_RT_hourly')) }}

{#- Stage 4 DA + AS + RT, hourly: adds RT_AVG/MAX/MIN/STD_<point> over the 5-minute SCED intervals starting
    inside each hour (observed Stage 2 values, not the forward-filled ones). -#}
{{ da_as_rt_hourly(ref('ercot_da_as_combined'), ref('ercot_rt_prices'), ref('int_ercot__settlement_points')) }}
