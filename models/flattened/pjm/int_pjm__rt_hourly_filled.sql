{{ config(materialized='view') }}

{#- RT_hourly on a complete 60-minute spine with the forward-fill rule applied (long form, feeds the PIVOT). -#}
{{ filled_long(ref('pjm_rt_hourly'), ref('int_pjm__rt_hourly_gaps'), 'settlement_point', 'rt_lmp') }}
