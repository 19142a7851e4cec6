{{ config(materialized='table', alias='fill_stats') }}

{#- Filled cells and gaps per column of every ERCOT Stage 3 table (feeds gaps_report.md). -#}
{{ fill_stats(ref('int_ercot__da_prices_filled'), 'DA_prices') }}
union all
{{ fill_stats(ref('int_ercot__rt_prices_filled'), 'RT_prices') }}
union all
{{ fill_stats(ref('int_ercot__rt_spp_filled'), 'RT_SPP') }}
union all
{{ fill_stats(ref('int_ercot__as_prices_filled'), 'AS_prices') }}
