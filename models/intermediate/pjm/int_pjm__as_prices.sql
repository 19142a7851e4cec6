{{ config(incremental_strategy='append') }}

{#- Every landed day-ahead reserve market row (one per locale, service and hour), with PJM's service codes mapped to
    our product names (seed as_products). -#}
with landed as (
    select * from {{ ref('stg_pjm__da_reserve_market_results') }}
    {% if is_incremental() %}where {{ new_landed_files('PJM', ['da_reserve_market_results']) }}{% endif %}
),

products as (
    select * from {{ ref('as_products') }} where iso = 'PJM'
)

select
    l.datetime,
    l.interval_end,
    l.datetime_local,
    l.hour_ending,
    l.interval_minutes,
    l.iso,
    l.as_region,
    coalesce(p.as_product, l.iso_as_product) as as_product,
    l.iso_as_product,
    l.as_price,
    {{ relative_source_file('l.source_file') }} as source_file,
    l.version_key,
    extract(year from l.datetime_local)::integer as year,
    now() as _loaded_at
from landed as l
left join products as p on p.iso_product = l.iso_as_product
