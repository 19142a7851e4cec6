{{ config(alias='as_prices', location=rollup_location('CAISO', 'AS_prices'), changed_from='int_caiso__as_prices') }}

{#- Stage 2 CAISO AS: hourly DAM clearing prices, one row per (datetime, as_region, as_product); CAISO prices AS per
    region (AS_CAISO_EXP system-wide, AS_NP26_EXP / AS_SP26_EXP sub-regions), so the region is part of the key. -#}
select
    datetime,
    interval_end,
    datetime_local,
    hour_ending,
    interval_minutes,
    iso,
    as_region,
    as_product,
    as_price,
    source_file,
    year
from {{ ref('int_caiso__as_prices') }}
where {{ changed_partitions() }}
qualify row_number() over (partition by year, datetime, as_region, as_product order by version_key desc) = 1
order by datetime, as_region, as_product
