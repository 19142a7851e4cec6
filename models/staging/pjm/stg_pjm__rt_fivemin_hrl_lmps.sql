with source as (
    select * from {{ landed_source('pjm_landed', 'rt_fivemin_hrl_lmps') }}
),

renamed as (
    -- real-time 5-minute LMPs, one row per pnode and interval; keyed on datetime_beginning_utc
    select
        {{ pjm_utc_times('"datetime_beginning_utc"', 5) }},
        'PJM' as iso,
        trim("pnode_name") as settlement_point,
        upper(trim("type")) as iso_point_type,
        "pnode_id" as pnode_id,
        "total_lmp_rt" as rt_lmp,
        "system_energy_price_rt" as rt_energy,
        "congestion_price_rt" as rt_congestion,
        "marginal_loss_price_rt" as rt_loss,
        "version_nbr" as version_nbr,
        filename as source_file,
        {{ pjm_version_key('"row_is_current"', '"version_nbr"', 'filename') }} as version_key
    from source
)

select * from renamed
