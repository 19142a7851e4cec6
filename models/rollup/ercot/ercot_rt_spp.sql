{{ config(alias='rt_spp', location=rollup_location('ERCOT', 'RT_SPP'), changed_from='int_ercot__rt_spp') }}

{#- Stage 2 RT settlement point prices at 15 minutes (what is actually paid in real time). -#}
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
    p.source_file,
    p.year
from {{ ref('int_ercot__rt_spp') }} as p
left join {{ ref('int_ercot__settlement_points') }} as t using (settlement_point)
where {{ changed_partitions() }}
qualify row_number() over (partition by p.year, p.datetime, p.settlement_point order by p.version_key desc) = 1
order by p.datetime, p.settlement_point
