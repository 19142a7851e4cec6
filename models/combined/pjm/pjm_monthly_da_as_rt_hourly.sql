{{ config(alias='monthly_da_as_rt_hourly', location=rollup_location('PJM', 'combined/monthly/DA_AS_RT_hourly'), partition_by=['year', 'month']) }}

{#- DA_AS_RT_hourly split by local year and month: combined/monthly/DA_AS_RT_hourly/year=YYYY/month=MM/. -#}
{{ monthly_split(ref('pjm_da_as_rt_hourly'), 'PJM') }}
