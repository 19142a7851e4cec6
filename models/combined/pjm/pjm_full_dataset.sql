{{ config(alias='full_dataset', location=rollup_location('PJM', 'combined/analysis_ready/FULL_DATASET.parquet'), partition_by=[]) }}

{#- All years of DA_AS_RT_hourly in one file: combined/analysis_ready/FULL_DATASET.parquet. -#}
select * from {{ ref('pjm_da_as_rt_hourly') }}
order by datetime
