{{ config(incremental_strategy='append') }}

{#- Every landed RT_5min (PRC_INTVL_LMP, 5-minute) row, long (one row per node, interval and price component), appended file by file. -#}
{{ landed_rows('CAISO', [(ref('stg_caiso__prc_intvl_lmp'), 'prc_intvl_lmp')],
               ['settlement_point', 'iso_point_type', 'market_run_id', 'lmp_type', 'price']) }}
