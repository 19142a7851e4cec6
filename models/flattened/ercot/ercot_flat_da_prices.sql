{{ config(alias='flat_da_prices', location=rollup_location('ERCOT', 'flattened/DA_prices'), days_from='ercot_da_prices') }}
{%- do ref('ercot_da_prices') -%}{#- days_from reads it: a dependency -#}

{#- Stage 3 DA_prices: datetime, then one column per settlement point, named as the ISO names it. -#}
{{ pivot_wide(ref('int_ercot__da_prices_filled')) }}
