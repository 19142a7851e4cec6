{{ config(materialized='table') }}

{#- AS_prices on a complete 60-minute spine with the forward-fill rule applied (long form, feeds the PIVOT). -#}
{{ filled_long(ref('ercot_as_prices'), 'as_product', 'as_price', 60, 'ERCOT') }}
