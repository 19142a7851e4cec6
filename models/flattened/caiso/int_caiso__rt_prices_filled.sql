{{ config(materialized='table') }}

{#- RT_prices on a complete 15-minute spine with the forward-fill rule applied (long form, feeds the PIVOT). -#}
{{ filled_long(ref('caiso_rt_prices'), 'settlement_point', 'rt_lmp', 15, 'CAISO') }}
