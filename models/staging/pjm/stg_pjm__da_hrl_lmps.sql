with source as (
    select * from {{ landed_source('pjm_landed', 'da_hrl_lmps') }}
),

renamed as (
    -- day-ahead hourly LMPs, one row per pnode and interval; keyed on datetime_beginning_utc
    select
        {{ pjm_utc_times('"datetime_beginning_utc"', 60) }},
        'PJM' as iso,
        trim("pnode_name") as settlement_point,
        upper(trim("type")) as iso_point_type,
        "pnode_id" as pnode_id,
        "total_lmp_da" as da_lmp,
        "system_energy_price_da" as da_energy,
        "congestion_price_da" as da_congestion,
        "marginal_loss_price_da" as da_loss,
        "version_nbr" as version_nbr,
        filename as source_file,
        {{ pjm_version_key('"row_is_current"', '"version_nbr"', 'filename') }} as version_key
    from source
)

select * from renamed
