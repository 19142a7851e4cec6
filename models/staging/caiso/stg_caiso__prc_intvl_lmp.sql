with source as (
    select * from {{ landed_source('caiso_landed', 'prc_intvl_lmp') }}
),

renamed as (
    -- one row per node, interval and price component (RTM 5-minute); GMT start is the key
    select
        {{ caiso_gmt_times('"INTERVALSTARTTIME_GMT"', 5) }},
        'CAISO' as iso,
        trim("NODE") as settlement_point,
        cast(null as varchar) as iso_point_type,
        upper(trim("MARKET_RUN_ID")) as market_run_id,
        upper(trim("LMP_TYPE")) as lmp_type,
        "VALUE" as price,
        filename as source_file,
        {{ delivery_version_key('filename', 'CAISO') }} as version_key
    from source
)

select * from renamed
