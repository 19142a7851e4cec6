{{ config(incremental_strategy='append') }}

{#- Every landed day-ahead reserve market row (one per locale, service and hour), with PJM's service codes mapped to
    our product names (seed as_products). -#}
with landed as (
    {{ landed_rows('PJM', [(ref('stg_pjm__da_reserve_market_results'), 'da_reserve_market_results')],
                   ['as_region', 'iso_as_product', 'as_price']) | indent(4) }}
),

products as (
    select * from {{ ref('as_products') }}
    where iso = 'PJM'
)

select
    l.datetime, l.datetime_local, l.interval_minutes, l.as_region,
    coalesce(p.as_product, l.iso_as_product) as as_product,
    l.iso_as_product,
    l.as_price,
    l.source_file,
    l.version_key,
    l.year,
    l._loaded_at
from landed as l
left join products as p on l.iso_as_product = p.iso_product
