{{ config(alias='flat_rt_prices', location=rollup_location('ERCOT', 'flattened/RT_prices'), days_from='ercot_rt_prices') }}
{%- do ref('ercot_rt_prices') -%}{#- days_from reads it: a dependency -#}

{#- Stage 3 RT_prices: datetime, then one column per settlement point, named as the ISO names it. -#}
{{ pivot_wide(ref('int_ercot__rt_prices_filled')) }}
