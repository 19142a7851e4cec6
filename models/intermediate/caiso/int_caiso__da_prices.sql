{{ config(incremental_strategy='append') }}

{#- Every landed DA (PRC_LMP DAM, hourly) row, long (one row per node, interval and price component), appended file by file. -#}
{{ landed_rows('CAISO', [(ref('stg_caiso__prc_lmp'), 'prc_lmp')],
               ['settlement_point', 'iso_point_type', 'market_run_id', 'lmp_type', 'price']) }}
