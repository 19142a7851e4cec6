{{ config(alias='rt_prices', location=rollup_location('PJM', 'RT_prices'), changed_from='int_pjm__rt_prices') }}

{#- Stage 2 PJM RT_prices: real-time 5-minute (rt_fivemin_hrl_lmps), long, one row per (datetime, settlement_point = pnode_name); of competing
    rows the current one with the highest version_nbr (then the later delivery) wins. -#}
{{ stage2_latest(ref('int_pjm__rt_prices'), ['rt_lmp', 'rt_energy', 'rt_congestion', 'rt_loss'], 'PJM', points_model=ref('int_pjm__settlement_points')) }}
