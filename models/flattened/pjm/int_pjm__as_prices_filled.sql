{{ config(materialized='table') }}

{#- AS_prices on a complete hourly spine with the forward-fill rule applied (long form, feeds the PIVOT). The wide
    column of a price is `<as_product>_<as_region>` (SYNC_RESERVE_PJM RTO Reserve Zone): PJM prices each product per region. -#}
{{ filled_long(ref('pjm_as_prices'), "as_product || '_' || as_region", 'as_price', 60, 'PJM') }}
