{{ config(alias='flat_as_prices', location=rollup_location('CAISO', 'flattened/AS_prices'), days_from='caiso_as_prices') }}
{%- do ref('caiso_as_prices') -%}{#- days_from reads it: a dependency -#}

{#- Stage 3 AS_prices: datetime, then one column per (product, region) named `<as_product>_<as_region>`
    (REG_UP_AS_CAISO_EXP, ...), products in the seed's column order (as_products), then regions alphabetically. -#}
{%- set filled = ref('int_caiso__as_prices_filled') -%}
{{ pivot_wide(filled, keys=as_region_product_columns('CAISO', ref('caiso_as_prices'), ref('as_products'))) }}
