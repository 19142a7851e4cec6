{{ config(alias='flat_as_prices', location=rollup_location('PJM', 'flattened/AS_prices'), days_from='pjm_as_prices') }}
{%- do ref('pjm_as_prices') -%}{#- days_from reads it: a dependency -#}

{#- Stage 3 AS_prices: datetime, then one column per (product, region) named `<as_product>_<as_region>`
    (SYNC_RESERVE_PJM RTO Reserve Zone, ...), products in the seed's column order (as_products), then regions alphabetically. -#}
{%- set filled = ref('int_pjm__as_prices_filled') -%}
{{ pivot_wide(filled, keys=as_region_product_columns('PJM', ref('pjm_as_prices'), ref('as_products'))) }}
