{{ config(alias='all_markets', location=rollup_location('ERCOT', 'combined/yearly/ALL_markets')) }}

{#- Stage 4 every ERCOT market side by side, hourly: DA, AS, RT (SCED) statistics and RT_SPP_<point>, the hourly
    mean of the four 15-minute settlement point prices. -#}
{{ all_markets(ref('ercot_da_as_rt_hourly'), ref('int_ercot__settlement_points'), [(ref('ercot_rt_spp'), 'RT_SPP')]) }}
