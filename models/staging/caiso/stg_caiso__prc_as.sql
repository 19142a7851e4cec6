with source as (
    select * from {{ landed_source('caiso_landed', 'prc_as') }}
),

renamed as (
    -- one row per AS region, product and hour; GMT start is the key
    select
        {{ caiso_gmt_times(adapter.quote('INTERVALSTARTTIME_GMT'), 60) }},
        'CAISO' as iso,
        trim({{ adapter.quote('ANC_REGION') }}) as as_region,
        upper(trim({{ adapter.quote('ANC_TYPE') }})) as iso_as_product,
        upper(trim({{ adapter.quote('MARKET_RUN_ID') }})) as market_run_id,
        {{ adapter.quote('MW') }} as as_price,
        filename as source_file,
        {{ delivery_version_key('filename', 'CAISO') }} as version_key
    from source
)

select * from renamed
