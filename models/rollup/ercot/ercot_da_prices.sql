{{ config(alias='da_prices', location=rollup_location('ERCOT', 'DA_prices'), changed_from='int_ercot__da_prices') }}

{#- Stage 2 DA: long, typed, UTC; one row per (datetime, settlement_point): a later delivery of the same
    interval replaces an earlier one. Only the years that received data are rewritten. -#}
select
    p.datetime,
    p.interval_end,
    p.datetime_local,
    p.hour_ending,
    p.interval_minutes,
    p.iso,
    p.settlement_point,
    coalesce(t.settlement_type, 'NODE') as settlement_type,
    p.da_lmp,
    p.source_file,
    p.year
from {{ ref('int_ercot__da_prices') }} as p
left join {{ ref('int_ercot__settlement_points') }} as t using (settlement_point)
where {{ changed_partitions() }}
qualify row_number() over (partition by p.year, p.datetime, p.settlement_point order by p.version_key desc) = 1
order by p.datetime, p.settlement_point
