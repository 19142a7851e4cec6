{{ config(alias='flat_as_prices', location=rollup_location('ERCOT', 'flattened/AS_prices'), days_from='ercot_as_prices') }}
{%- do ref('ercot_as_prices') -%}{#- days_from reads it: a dependency -#}

{#- Stage 3 AS_prices: datetime, then REG_UP, REG_DOWN, RRS, NSRS, ECRS (order from seed as_products). -#}
{%- set filled = ref('int_ercot__as_prices_filled') -%}
{{ pivot_wide(filled, keys=as_product_columns('ERCOT', filled, ref('as_products'))) }}
