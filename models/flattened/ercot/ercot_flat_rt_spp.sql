{{ config(alias='flat_rt_spp', location=rollup_location('ERCOT', 'flattened/RT_SPP'), days_from='ercot_rt_spp') }}
{%- do ref('ercot_rt_spp') -%}{#- days_from reads it: a dependency -#}

{#- Stage 3 RT_SPP: datetime, then one column per settlement point, named as the ISO names it. -#}
{{ pivot_wide(ref('int_ercot__rt_spp_filled')) }}
