{{ config(alias='monthly_da_as_combined', location=rollup_location('CAISO', 'combined/monthly/DA_AS_combined'), partition_by=['year', 'month']) }}

{#- DA_AS_combined split by local year and month: combined/monthly/DA_AS_combined/year=YYYY/month=MM/. -#}
{{ monthly_split(ref('caiso_da_as_combined'), 'CAISO') }}
