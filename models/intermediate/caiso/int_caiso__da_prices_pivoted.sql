{{ config(materialized='view') }}

{#- CAISO DA (PRC_LMP DAM), hourly: OASIS delivers each price component in its own CSV, so a landed row is one (node, interval,
    component). For each component the latest delivery wins (version_key: OASIS request time); the five are then
    pivoted into one row per (datetime, settlement_point), da_lmp = da_energy + da_congestion + da_loss + da_ghg, ready
    for the generic Stage 2 select. source_file is the LMP component's CSV. -#}
with latest as (
    select *
    from {{ ref('int_caiso__da_prices') }}
    qualify row_number() over (
        partition by year, datetime, settlement_point, lmp_type order by version_key desc
    ) = 1
)

select
    datetime,
    interval_end,
    datetime_local,
    hour_ending,
    interval_minutes,
    iso,
    settlement_point,
    max(price) filter (where lmp_type = 'LMP') as da_lmp,
    max(price) filter (where lmp_type = 'MCE') as da_energy,
    max(price) filter (where lmp_type = 'MCC') as da_congestion,
    max(price) filter (where lmp_type = 'MCL') as da_loss,
    max(price) filter (where lmp_type = 'MGHG') as da_ghg,
    coalesce(max(source_file) filter (where lmp_type = 'LMP'), min(source_file)) as source_file,
    max(version_key) as version_key,
    year,
    max(_loaded_at) as _loaded_at
from latest
group by all
