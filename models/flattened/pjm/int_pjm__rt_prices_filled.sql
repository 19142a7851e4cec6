{{ config(materialized='table') }}

{#- RT_prices on a complete 5-minute spine with the forward-fill rule applied (long form, feeds the PIVOT). -#}
{{ filled_long(ref('pjm_rt_prices'), 'settlement_point', 'rt_lmp', 5, 'PJM') }}
