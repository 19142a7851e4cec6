{{ config(alias='flat_da_prices', location=rollup_location('PJM', 'flattened/DA_prices')) }}

{#- Stage 3 DA_prices: datetime, then one column per pnode, named as PJM names it (WESTERN HUB). -#}
{{ pivot_wide(ref('int_pjm__da_prices_filled')) }}
