{{ config(alias='flat_da_prices', location=rollup_location('ERCOT', 'flattened/DA_prices')) }}

{#- Stage 3 DA_prices: datetime, then one column per settlement point, named as the ISO names it. -#}
{{ pivot_wide(ref('int_ercot__da_prices_filled')) }}
