with source as (
    select * from {{ landed_source('caiso_landed', 'prc_as') }}
),

renamed as (
    -- one row per AS region, product and hour; GMT start is the key
    select
        {{ caiso_gmt_times('"INTERVALSTARTTIME_GMT"', 60) }},
        'CAISO' as iso,
        trim("ANC_REGION") as as_region,
        upper(trim("ANC_TYPE")) as iso_as_product,
        upper(trim("MARKET_RUN_ID")) as market_run_id,
        "MW" as as_price,
        filename as source_file,
        {{ delivery_version_key('filename', 'CAISO') }} as version_key
    from source
)

select * from renamed
