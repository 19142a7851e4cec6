{{ config(alias='da_prices', location=rollup_location('PJM', 'DA_prices'), changed_from='int_pjm__da_prices') }}

{#- Stage 2 PJM DA_prices: day-ahead hourly (da_hrl_lmps), long, one row per (datetime, settlement_point = pnode_name); of competing
    rows the current one with the highest version_nbr (then the later delivery) wins. -#}
{{ stage2_latest(ref('int_pjm__da_prices'), ['da_lmp', 'da_energy', 'da_congestion', 'da_loss'], 'PJM', points_model=ref('int_pjm__settlement_points')) }}
