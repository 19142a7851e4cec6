{{ config(incremental_strategy='append') }}

{#- Every landed DA (PRC_LMP DAM, hourly) row, long (one row per node, interval and price component), appended file by file. -#}
with landed as (
    select * from {{ ref('stg_caiso__prc_lmp') }}
    {% if is_incremental() %}where {{ new_landed_files('CAISO', ['prc_lmp']) }}{% endif %}
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
    market_run_id,
    lmp_type,
    price,
    {{ relative_source_file('source_file') }} as source_file,
    version_key,
    extract(year from datetime_local)::integer as year,
    now() as _loaded_at
from landed
