{{ config(alias='rt_hourly', location=rollup_location('PJM', 'RT_hourly'), changed_from='int_pjm__rt_hourly') }}

{#- Stage 2 PJM RT_hourly: real-time hourly (rt_hrl_lmps), long, one row per (datetime, settlement_point = pnode_name); of competing
    rows the current one with the highest version_nbr (then the later delivery) wins. -#}
{{ stage2_latest(ref('int_pjm__rt_hourly'), ['rt_lmp', 'rt_energy', 'rt_congestion', 'rt_loss'], 'PJM', points_model=ref('int_pjm__settlement_points')) }}
