{{ config(alias='rt_prices', location=rollup_location('CAISO', 'RT_prices'), changed_from='int_caiso__rt_prices') }}

{#- Stage 2 CAISO RT (PRC_RTPD_LMP), 15-minute: the OASIS price components (one landed row each) pivoted into one row per
    (datetime, settlement_point): rt_lmp = rt_energy + rt_congestion + rt_loss + rt_ghg. For each component the latest
    delivery wins (version_key: OASIS request time). source_file is the LMP component's CSV. -#}
with latest as (
    select *
    from {{ ref('int_caiso__rt_prices') }}
    where {{ changed_partitions() }}
    qualify row_number() over (
        partition by year, datetime, settlement_point, lmp_type order by version_key desc
    ) = 1
),

pivoted as (
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
        year
    from latest
    group by all
)

select
    p.datetime,
    p.interval_end,
    p.datetime_local,
    p.hour_ending,
    p.interval_minutes,
    p.iso,
    p.settlement_point,
    coalesce(t.settlement_type, 'NODE') as settlement_type,
    p.rt_lmp,
    p.rt_energy,
    p.rt_congestion,
    p.rt_loss,
    p.rt_ghg,
    p.source_file,
    p.year
from pivoted as p
left join {{ ref('int_caiso__settlement_points') }} as t using (settlement_point)
order by p.datetime, p.settlement_point
