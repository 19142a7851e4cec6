{{ config(alias='flat_da_prices', location=rollup_location('PJM', 'flattened/DA_prices'), days_from='pjm_da_prices') }}
{%- do ref('pjm_da_prices') -%}{#- days_from reads it: a dependency -#}

{#- Stage 3 DA_prices: datetime, then one column per pnode, named as PJM names it (WESTERN HUB). -#}
{{ pivot_wide(ref('int_pjm__da_prices_filled')) }}
