{{ config(incremental_strategy='append') }}

{#- Every landed DA row, both formats, typed; appended file by file (never re-reads a landed file). -#}
with daily as (
    select * from {{ ref('stg_ercot__dam_spp') }}
    {% if is_incremental() %}where {{ new_landed_files('ERCOT', ['np4_190_cd']) }}{% endif %}
),

historical as (
    select * from {{ ref('stg_ercot__dam_hub_zone_spp_hist') }}
    {% if is_incremental() %}where {{ new_landed_files('ERCOT', ['np4_180_er']) }}{% endif %}
),

unioned as (
    select * from daily
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
    da_lmp,
    {{ relative_source_file('source_file') }} as source_file,
    version_key,
    extract(year from datetime_local)::integer as year,
    now() as _loaded_at
from unioned
