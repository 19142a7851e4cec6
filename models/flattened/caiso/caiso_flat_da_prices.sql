{{ config(alias='flat_da_prices', location=rollup_location('CAISO', 'flattened/DA_prices')) }}

{#- Stage 3 DA_prices: datetime, then one column per node, named as CAISO names it (da_lmp). -#}
{{ pivot_wide(ref('int_caiso__da_prices_filled')) }}
