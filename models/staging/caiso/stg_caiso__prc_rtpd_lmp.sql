with source as (
    select * from {{ landed_source('caiso_landed', 'prc_rtpd_lmp') }}
),

renamed as (
    -- one row per node, interval and price component (RTPD 15-minute); GMT start is the key
    select
        {{ caiso_gmt_times(adapter.quote('INTERVALSTARTTIME_GMT'), 15) }},
        'CAISO' as iso,
        trim({{ adapter.quote('NODE') }}) as settlement_point,
        cast(null as string) as iso_point_type,
        upper(trim({{ adapter.quote('MARKET_RUN_ID') }})) as market_run_id,
        upper(trim({{ adapter.quote('LMP_TYPE') }})) as lmp_type,
        {{ adapter.quote('PRC') }} as price,
        filename as source_file,
        {{ delivery_version_key('filename', 'CAISO') }} as version_key
    from source
)

select * from renamed
