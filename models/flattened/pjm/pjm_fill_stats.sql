{{ config(materialized='table', alias='fill_stats') }}

{#- Filled cells and gaps per column of every PJM Stage 3 table (feeds gaps_report.md). -#}
{{ fill_stats(ref('int_pjm__da_prices_filled'), 'DA_prices') }}
union all
{{ fill_stats(ref('int_pjm__rt_prices_filled'), 'RT_prices') }}
union all
{{ fill_stats(ref('int_pjm__rt_hourly_filled'), 'RT_hourly') }}
union all
{{ fill_stats(ref('int_pjm__as_prices_filled'), 'AS_prices') }}
