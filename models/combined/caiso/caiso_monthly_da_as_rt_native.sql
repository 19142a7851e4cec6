{{ config(alias='monthly_da_as_rt_native', location=rollup_location('CAISO', 'combined/monthly/DA_AS_RT_native'), partition_by=['year', 'month']) }}

{#- DA_AS_RT_native split by local year and month: combined/monthly/DA_AS_RT_native/year=YYYY/month=MM/. -#}
{{ monthly_split(ref('caiso_da_as_rt_native'), 'CAISO') }}
