{{ config(materialized='view') }}

{#- AS_prices on a complete hourly spine with the forward-fill rule applied (long form, feeds the PIVOT). The wide
    column of a price is `<as_product>_<as_region>` (REG_UP_AS_CAISO_EXP): CAISO prices each product per region. -#}
{{ filled_long(ref('caiso_as_prices'), ref('int_caiso__as_prices_gaps'), "as_product || '_' || as_region", 'as_price') }}
