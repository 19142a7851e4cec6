{{ config(alias='flat_as_prices', location=rollup_location('ERCOT', 'flattened/AS_prices')) }}

{#- Stage 3 AS_prices: datetime, then REG_UP, REG_DOWN, RRS, NSRS, ECRS (order from seed as_products). -#}
{%- set filled = ref('int_ercot__as_prices_filled') -%}
{{ pivot_wide(filled, keys=as_product_columns('ERCOT', filled, ref('as_products'))) }}
