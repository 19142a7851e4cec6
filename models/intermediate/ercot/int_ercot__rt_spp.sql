{{ config(incremental_strategy='append') }}

{#- Every landed 15-minute settlement point price row, current and historical formats. -#}
with current_format as (
    select * from {{ ref('stg_ercot__rtm_spp') }}
    {% if is_incremental() %}where {{ new_landed_files('ERCOT', ['np6_905_cd']) }}{% endif %}
),

historical as (
    select * from {{ ref('stg_ercot__rtm_hub_zone_spp_hist') }}
    {% if is_incremental() %}where {{ new_landed_files('ERCOT', ['np6_785_er']) }}{% endif %}
),

unioned as (
    select * from current_format
    union all by name
    select * from historical
)

select
    datetime,
    interval_end,
    datetime_local,
    hour_ending,
    interval_minutes,
    iso,
    settlement_point,
    iso_point_type,
    rt_lmp,
    {{ relative_source_file('source_file') }} as source_file,
    version_key,
    extract(year from datetime_local)::integer as year,
    now() as _loaded_at
from unioned
