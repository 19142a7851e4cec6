{{ config(incremental_strategy='append') }}

{#- Every landed RT (PRC_RTPD_LMP, 15-minute) row, long (one row per node, interval and price component), appended file by file. -#}
{{ landed_rows('CAISO', [(ref('stg_caiso__prc_rtpd_lmp'), 'prc_rtpd_lmp')],
               ['settlement_point', 'iso_point_type', 'market_run_id', 'lmp_type', 'price']) }}
