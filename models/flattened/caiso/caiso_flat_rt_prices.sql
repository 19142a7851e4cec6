{{ config(alias='flat_rt_prices', location=rollup_location('CAISO', 'flattened/RT_prices'), days_from='caiso_rt_prices') }}
{%- do ref('caiso_rt_prices') -%}{#- days_from reads it: a dependency -#}

{#- Stage 3 RT_prices: datetime, then one column per node, named as CAISO names it (rt_lmp). -#}
{{ pivot_wide(ref('int_caiso__rt_prices_filled')) }}
