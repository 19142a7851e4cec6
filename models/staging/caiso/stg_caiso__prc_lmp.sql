with source as (
    select * from {{ landed_source('caiso_landed', 'prc_lmp') }}
),

renamed as (
    -- one row per node, interval and price component (DAM day-ahead); GMT start is the key
    select
        {{ caiso_gmt_times(adapter.quote('INTERVALSTARTTIME_GMT'), 60) }},
        'CAISO' as iso,
        trim({{ adapter.quote('NODE') }}) as settlement_point,
        cast(null as string) as iso_point_type,
        upper(trim({{ adapter.quote('MARKET_RUN_ID') }})) as market_run_id,
        upper(trim({{ adapter.quote('LMP_TYPE') }})) as lmp_type,
        {{ adapter.quote('MW') }} as price,
        filename as source_file,
        {{ delivery_version_key('filename', 'CAISO') }} as version_key
    from source
)

select * from renamed
