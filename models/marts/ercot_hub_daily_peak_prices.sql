{#- Daily on-peak / off-peak average prices per ERCOT hub, from Stage 2 (DA: hourly DAM settlement point prices;
    RT: 5-minute SCED LMPs). ERCOT's peak definition: on-peak = hour ending 7..22 local (06:00-22:00 Central) on
    every day of the week (7x16), off-peak = the other hours (7x8). Operating days and hours are local, from the
    Stage 2 columns `datetime_local` (interval start) and `hour_ending`, so a fall-back day has 9 off-peak hours
    (HE 2 twice) and a spring-forward day 7; on-peak is always 16 hours. RT averages are over the 5-minute
    intervals (equal weights), and the hour / interval counts say how complete each average is. -#}
{%- set on_peak_first_he = 7 -%}
{%- set on_peak_last_he = 22 -%}

with da as (
    select
        cast(datetime_local as date) as operating_day,
        settlement_point,
        hour_ending between {{ on_peak_first_he }} and {{ on_peak_last_he }} as is_on_peak,
        da_lmp as price
    from {{ ref('ercot_da_prices') }}
    where settlement_type = 'HUB'
),

rt as (
    select
        cast(datetime_local as date) as operating_day,
        settlement_point,
        hour_ending between {{ on_peak_first_he }} and {{ on_peak_last_he }} as is_on_peak,
        rt_lmp as price
    from {{ ref('ercot_rt_prices') }}
    where settlement_type = 'HUB'
),

da_daily as (
    select
        operating_day,
        settlement_point,
        avg(price) filter (where is_on_peak) as da_on_peak_avg,
        avg(price) filter (where not is_on_peak) as da_off_peak_avg,
        count(price) filter (where is_on_peak) as da_on_peak_hours,
        count(price) filter (where not is_on_peak) as da_off_peak_hours
    from da
    group by operating_day, settlement_point
),

rt_daily as (
    select
        operating_day,
        settlement_point,
        avg(price) filter (where is_on_peak) as rt_on_peak_avg,
        avg(price) filter (where not is_on_peak) as rt_off_peak_avg,
        count(price) filter (where is_on_peak) as rt_on_peak_intervals,
        count(price) filter (where not is_on_peak) as rt_off_peak_intervals
    from rt
    group by operating_day, settlement_point
)

select
    coalesce(da_daily.operating_day, rt_daily.operating_day) as operating_day,
    'ERCOT' as iso,
    coalesce(da_daily.settlement_point, rt_daily.settlement_point) as settlement_point,
    da_daily.da_on_peak_avg,
    da_daily.da_off_peak_avg,
    rt_daily.rt_on_peak_avg,
    rt_daily.rt_off_peak_avg,
    coalesce(da_daily.da_on_peak_hours, 0) as da_on_peak_hours,
    coalesce(da_daily.da_off_peak_hours, 0) as da_off_peak_hours,
    coalesce(rt_daily.rt_on_peak_intervals, 0) as rt_on_peak_intervals,
    coalesce(rt_daily.rt_off_peak_intervals, 0) as rt_off_peak_intervals
from da_daily
full outer join rt_daily
    on da_daily.operating_day = rt_daily.operating_day
    and da_daily.settlement_point = rt_daily.settlement_point
