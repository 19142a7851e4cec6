{{ config(materialized='table') }}

{#- RT_5min on a complete 5-minute spine with the forward-fill rule applied (long form, feeds the PIVOT). -#}
{{ filled_long(ref('caiso_rt_5min'), 'settlement_point', 'rt_lmp', 5, 'CAISO') }}
