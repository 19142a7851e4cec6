{{ config(alias='flat_rt_prices', location=rollup_location('PJM', 'flattened/RT_prices')) }}

{#- Stage 3 RT_prices: datetime, then one column per pnode, named as PJM names it (WESTERN HUB). -#}
{{ pivot_wide(ref('int_pjm__rt_prices_filled')) }}
