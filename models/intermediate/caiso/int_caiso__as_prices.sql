{{ config(incremental_strategy='append') }}

{#- Every landed PRC_AS row (long: one row per AS region, product and hour), with CAISO's ANC_TYPE mapped to our
    product names (seed as_products). -#}
with landed as (
    select * from {{ ref('stg_caiso__prc_as') }}
    {% if is_incremental() %}where {{ new_landed_files('CAISO', ['prc_as']) }}{% endif %}
),

products as (
    select * from {{ ref('as_products') }} where iso = 'CAISO'
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
    l.market_run_id,
    l.as_price,
    {{ relative_source_file('l.source_file') }} as source_file,
    l.version_key,
    extract(year from l.datetime_local)::integer as year,
    now() as _loaded_at
from landed as l
left join products as p on p.iso_product = l.iso_as_product
