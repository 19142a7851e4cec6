{{ config(incremental_strategy='append') }}

{#- Every landed PJM day-ahead hourly (da_hrl_lmps) row, typed, appended file by file (never re-reads a landed file). -#}
with landed as (
    select * from {{ ref('stg_pjm__da_hrl_lmps') }}
    {% if is_incremental() %}where {{ new_landed_files('PJM', ['da_hrl_lmps']) }}{% endif %}
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
    pnode_id,
    da_lmp,
    da_energy,
    da_congestion,
    da_loss,
    version_nbr,
    {{ relative_source_file('source_file') }} as source_file,
    version_key,
    extract(year from datetime_local)::integer as year,
    now() as _loaded_at
from landed
