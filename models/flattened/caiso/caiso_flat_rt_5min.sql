{{ config(alias='flat_rt_5min', location=rollup_location('CAISO', 'flattened/RT_5min'), days_from='caiso_rt_5min') }}
{%- do ref('caiso_rt_5min') -%}{#- days_from reads it: a dependency -#}

{#- Stage 3 RT_5min: datetime, then one column per node, named as CAISO names it (rt_lmp). -#}
{{ pivot_wide(ref('int_caiso__rt_5min_filled')) }}
