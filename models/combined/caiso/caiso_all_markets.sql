{{ config(alias='all_markets', location=rollup_location('CAISO', 'combined/yearly/ALL_markets')) }}

{#- Stage 4 every CAISO market side by side, hourly: DA, AS, RT statistics and RT_5MIN_<point>,
    the hourly mean of the twelve 5-minute dispatch prices (RT_5min, PRC_INTVL_LMP). -#}
{{ all_markets(ref('caiso_da_as_rt_hourly'), ref('int_caiso__settlement_points'), [(ref('caiso_rt_5min'), 'RT_5MIN')]) }}
