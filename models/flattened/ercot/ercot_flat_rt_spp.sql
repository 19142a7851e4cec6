{{ config(alias='flat_rt_spp', location=rollup_location('ERCOT', 'flattened/RT_SPP')) }}

{#- Stage 3 RT_SPP: datetime, then one column per settlement point, named as the ISO names it. -#}
{{ pivot_wide(ref('int_ercot__rt_spp_filled')) }}
