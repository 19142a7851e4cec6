{{ config(materialized='table', alias='fill_stats') }}

{#- Filled cells and gaps per column of every CAISO Stage 3 table (feeds gaps_report.md). -#}
{{ fill_stats(ref('int_caiso__da_prices_filled'), 'DA_prices') }}
union all
{{ fill_stats(ref('int_caiso__rt_prices_filled'), 'RT_prices') }}
union all
{{ fill_stats(ref('int_caiso__rt_5min_filled'), 'RT_5min') }}
union all
{{ fill_stats(ref('int_caiso__as_prices_filled'), 'AS_prices') }}
