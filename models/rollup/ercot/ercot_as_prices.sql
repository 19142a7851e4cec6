{{ config(alias='as_prices', location=rollup_location('ERCOT', 'AS_prices'), changed_from='int_ercot__as_prices') }}

{#- Stage 2 AS: hourly DAM clearing prices, one row per (datetime, as_product). -#}
select
    datetime,
    interval_end,
    datetime_local,
    hour_ending,
    interval_minutes,
    iso,
    as_product,
    as_price,
    source_file,
    year
from {{ ref('int_ercot__as_prices') }}
where {{ changed_partitions() }}
qualify row_number() over (partition by year, datetime, as_product order by version_key desc) = 1
order by datetime, as_product
