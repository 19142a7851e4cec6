{{ config(materialized='view') }}

{#- AS_prices on a complete hourly spine with the forward-fill rule applied (long form, feeds the PIVOT). The wide
    column of a price is `<as_product>_<as_region>` (SYNC_RESERVE_PJM RTO Reserve Zone): PJM prices each product per region. -#}
{{ filled_long(ref('pjm_as_prices'), ref('int_pjm__as_prices_gaps'), "as_product || '_' || as_region", 'as_price') }}
