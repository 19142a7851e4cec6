{{ config(materialized='view') }}

{#- AS_prices on a complete 60-minute spine with the forward-fill rule applied (long form, feeds the PIVOT). -#}
{{ filled_long(ref('ercot_as_prices'), ref('int_ercot__as_prices_gaps'), 'as_product', 'as_price') }}
