{{ config(alias='flat_da_prices', location=rollup_location('CAISO', 'flattened/DA_prices'), days_from='caiso_da_prices') }}
{%- do ref('caiso_da_prices') -%}{#- days_from reads it: a dependency -#}

{#- Stage 3 DA_prices: datetime, then one column per node, named as CAISO names it (da_lmp). -#}
{{ pivot_wide(ref('int_caiso__da_prices_filled')) }}
