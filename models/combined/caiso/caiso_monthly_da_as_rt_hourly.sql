{{ config(alias='monthly_da_as_rt_hourly', location=rollup_location('CAISO', 'combined/monthly/DA_AS_RT_hourly'), partition_by=['year', 'month']) }}

{#- DA_AS_RT_hourly split by local year and month: combined/monthly/DA_AS_RT_hourly/year=YYYY/month=MM/. -#}
select
    *,
    extract(month from timezone('{{ iso_timezone('CAISO') }}', datetime))::integer as month
from {{ ref('caiso_da_as_rt_hourly') }}
