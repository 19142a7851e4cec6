{{ config(incremental_strategy='append') }}

{#- Every landed 15-minute settlement point price row, current and historical formats. -#}
{{ landed_rows('ERCOT',
               [(ref('stg_ercot__rtm_spp'), 'np6_905_cd'), (ref('stg_ercot__rtm_hub_zone_spp_hist'), 'np6_785_er')],
               ['settlement_point', 'iso_point_type', 'rt_lmp']) }}
