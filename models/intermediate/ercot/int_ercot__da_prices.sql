{{ config(incremental_strategy='append') }}

{#- Every landed DA row, both formats, typed; appended file by file (never re-reads a landed file). -#}
{{ landed_rows('ERCOT',
               [(ref('stg_ercot__dam_spp'), 'np4_190_cd'), (ref('stg_ercot__dam_hub_zone_spp_hist'), 'np4_180_er')],
               ['settlement_point', 'iso_point_type', 'da_lmp']) }}
