{{ config(materialized='table') }}

{#- DA_prices on a complete 60-minute spine with the forward-fill rule applied (long form, feeds the PIVOT). -#}
{{ filled_long(ref('pjm_da_prices'), 'settlement_point', 'da_lmp', 60, 'PJM') }}
