{{ config(alias='all_markets', location=rollup_location('PJM', 'combined/yearly/ALL_markets')) }}

{#- Stage 4 every PJM market side by side, hourly: DA, AS, RT statistics and RT_HOURLY_<point>,
    PJM's own hourly integrated real-time LMP (RT_hourly, rt_hrl_lmps). -#}
{{ all_markets(ref('pjm_da_as_rt_hourly'), ref('int_pjm__settlement_points'), [(ref('pjm_rt_hourly'), 'RT_HOURLY')]) }}
