{{ config(alias='rt_prices', location=rollup_location('ERCOT', 'RT_prices'), changed_from='int_ercot__rt_prices') }}

{#- Stage 2 RT (SCED LMPs) at 5 minutes: SCED runs floored to the interval; the latest run in an interval wins. -#}
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
from {{ ref('int_ercot__rt_prices') }} as p
left join {{ ref('int_ercot__settlement_points') }} as t using (settlement_point)
where {{ changed_partitions() }}
qualify row_number() over (partition by p.year, p.datetime, p.settlement_point order by p.version_key desc) = 1
order by p.datetime, p.settlement_point
