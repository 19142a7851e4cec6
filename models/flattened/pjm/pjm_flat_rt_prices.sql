{{ config(alias='flat_rt_prices', location=rollup_location('PJM', 'flattened/RT_prices'), days_from='pjm_rt_prices') }}
{%- do ref('pjm_rt_prices') -%}{#- days_from reads it: a dependency -#}

{#- Stage 3 RT_prices: datetime, then one column per pnode, named as PJM names it (WESTERN HUB). -#}
{{ pivot_wide(ref('int_pjm__rt_prices_filled')) }}
