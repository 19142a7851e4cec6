{{ config(incremental_strategy='append') }}

{#- Every landed PRC_AS row (long: one row per AS region, product and hour), with CAISO's ANC_TYPE mapped to our
    product names (seed as_products). -#}
with landed as (
    {{ landed_rows('CAISO', [(ref('stg_caiso__prc_as'), 'prc_as')],
                   ['as_region', 'iso_as_product', 'market_run_id', 'as_price']) | indent(4) }}
),

products as (
    select * from {{ ref('as_products') }}
    where iso = 'CAISO'
)

select
    l.datetime, l.datetime_local, l.interval_minutes, l.as_region,
    coalesce(p.as_product, l.iso_as_product) as as_product,
    l.iso_as_product,
    l.market_run_id,
    l.as_price,
    l.source_file,
    l.version_key,
    l.year,
    l._loaded_at
from landed as l
left join products as p on l.iso_as_product = p.iso_product
