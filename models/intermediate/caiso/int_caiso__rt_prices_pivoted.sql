{{ config(materialized='view') }}

{#- CAISO RT (PRC_RTPD_LMP), 15-minute: OASIS delivers each price component in its own CSV, so a landed row is one (node, interval,
    component). For each component the latest delivery wins (version_key: OASIS request time); the five are then
    pivoted into one row per (datetime, settlement_point), rt_lmp = rt_energy + rt_congestion + rt_loss + rt_ghg, ready
    for the generic Stage 2 select. source_file is the LMP component's CSV. -#}
with latest as (
    select *
    from {{ ref('int_caiso__rt_prices') }}
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
    max(price) filter (where lmp_type = 'LMP') as rt_lmp,
    max(price) filter (where lmp_type = 'MCE') as rt_energy,
    max(price) filter (where lmp_type = 'MCC') as rt_congestion,
    max(price) filter (where lmp_type = 'MCL') as rt_loss,
    max(price) filter (where lmp_type = 'MGHG') as rt_ghg,
    coalesce(max(source_file) filter (where lmp_type = 'LMP'), min(source_file)) as source_file,
    max(version_key) as version_key,
    year,
    max(_loaded_at) as _loaded_at
from latest
group by all
