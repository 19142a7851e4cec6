{{ config(materialized='view') }}

{#- RT_5min on a complete 5-minute spine with the forward-fill rule applied (long form, feeds the PIVOT). -#}
{{ filled_long(ref('caiso_rt_5min'), ref('int_caiso__rt_5min_gaps'), 'settlement_point', 'rt_lmp') }}
