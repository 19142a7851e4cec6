{{ config(materialized='view') }}

{#- RT_SPP on a complete 15-minute spine with the forward-fill rule applied (long form, feeds the PIVOT). -#}
{{ filled_long(ref('ercot_rt_spp'), ref('int_ercot__rt_spp_gaps'), 'settlement_point', 'rt_lmp') }}
