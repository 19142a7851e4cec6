{{ config(alias='flat_rt_hourly', location=rollup_location('PJM', 'flattened/RT_hourly'), days_from='pjm_rt_hourly') }}
{%- do ref('pjm_rt_hourly') -%}{#- days_from reads it: a dependency -#}

{#- Stage 3 RT_hourly: datetime, then one column per pnode, named as PJM names it (WESTERN HUB). -#}
{{ pivot_wide(ref('int_pjm__rt_hourly_filled')) }}
