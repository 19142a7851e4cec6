{{ config(incremental_strategy='append') }}

{#- Every landed ancillary service price row (long), with ERCOT's product codes mapped to ours. -#}
with landed as (
    {{ landed_rows('ERCOT',
                   [(ref('stg_ercot__dam_as_mcpc'), 'np4_188_cd'), (ref('stg_ercot__dam_as_mcpc_hist'), 'np4_181_er')],
                   ['iso_as_product', 'as_price']) | indent(4) }}
),

products as (
    select * from {{ ref('as_products') }}
    where iso = 'ERCOT'
)

select
    l.datetime, l.datetime_local, l.interval_minutes,
    coalesce(p.as_product, l.iso_as_product) as as_product,
    l.iso_as_product,
    l.as_price,
    l.source_file,
    l.version_key,
    l.year,
    l._loaded_at
from landed as l
left join products as p on l.iso_as_product = p.iso_product
