with source as (
    select * from {{ landed_source('pjm_landed', 'da_hrl_lmps') }}
),

renamed as (
    -- day-ahead hourly LMPs, one row per pnode and interval; keyed on datetime_beginning_utc
    select
        {{ pjm_utc_times(adapter.quote('datetime_beginning_utc'), 60) }},
        'PJM' as iso,
        trim({{ adapter.quote('pnode_name') }}) as settlement_point,
        upper(trim({{ adapter.quote('type') }})) as iso_point_type,
        {{ adapter.quote('pnode_id') }} as pnode_id,
        {{ adapter.quote('total_lmp_da') }} as da_lmp,
        {{ adapter.quote('system_energy_price_da') }} as da_energy,
        {{ adapter.quote('congestion_price_da') }} as da_congestion,
        {{ adapter.quote('marginal_loss_price_da') }} as da_loss,
        {{ adapter.quote('version_nbr') }} as version_nbr,
        filename as source_file,
        {{ pjm_version_key(adapter.quote('row_is_current'), adapter.quote('version_nbr'), 'filename') }} as version_key
    from source
)

select * from renamed
