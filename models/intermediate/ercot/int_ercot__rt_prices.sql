{{ config(incremental_strategy='append') }}

{#- Every landed SCED row (all runs, not yet deduplicated); appended file by file. -#}
with sced as (
    select * from {{ ref('stg_ercot__sced_lmp') }}
    {% if is_incremental() %}where {{ new_landed_files('ERCOT', ['np6_788_cd']) }}{% endif %}
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
    sced_timestamp_local,
    {{ relative_source_file('source_file') }} as source_file,
    version_key,
    extract(year from datetime_local)::integer as year,
    now() as _loaded_at
from sced
