{{ config(incremental_strategy='append') }}

{#- Every landed ancillary service price row (long), with ERCOT's product codes mapped to ours. -#}
with daily as (
    select * from {{ ref('stg_ercot__dam_as_mcpc') }}
    {% if is_incremental() %}where {{ new_landed_files('ERCOT', ['np4_188_cd']) }}{% endif %}
),

historical as (
    select * from {{ ref('stg_ercot__dam_as_mcpc_hist') }}
    {% if is_incremental() %}where {{ new_landed_files('ERCOT', ['np4_181_er']) }}{% endif %}
),

unioned as (
    select * from daily
    union all by name
    select * from historical
),

products as (
    select * from {{ ref('as_products') }} where iso = 'ERCOT'
)

select
    u.datetime,
    u.interval_end,
    u.datetime_local,
    u.hour_ending,
    u.interval_minutes,
    u.iso,
    coalesce(p.as_product, u.iso_as_product) as as_product,
    u.iso_as_product,
    u.as_price,
    {{ relative_source_file('u.source_file') }} as source_file,
    u.version_key,
    extract(year from u.datetime_local)::integer as year,
    now() as _loaded_at
from unioned as u
left join products as p on p.iso_product = u.iso_as_product
