{{ config(materialized='view') }}

{#- DA_prices on a complete 60-minute spine with the forward-fill rule applied (long form, feeds the PIVOT). -#}
{{ filled_long(ref('caiso_da_prices'), ref('int_caiso__da_prices_gaps'), 'settlement_point', 'da_lmp') }}
