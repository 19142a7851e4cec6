{{ config(alias='da_as_rt_hourly', location=rollup_location('CAISO', 'combined/yearly/DA_AS_RT_hourly')) }}

{#- Stage 4 DA + AS + RT, hourly: adds RT_AVG/MAX/MIN/STD_<point> over the four 15-minute RTPD intervals starting
    inside each hour (observed Stage 2 values, not the forward-filled ones). -#}
{{ da_as_rt_hourly(ref('caiso_da_as_combined'), ref('caiso_rt_prices'), ref('int_caiso__settlement_points')) }}
