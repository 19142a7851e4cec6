with source as (
    select * from {{ landed_source('pjm_landed', 'da_reserve_market_results') }}
),

renamed as (
    -- day-ahead reserve clearing prices, one row per locale, service and hour; keyed on datetime_beginning_utc
    select
        {{ pjm_utc_times(adapter.quote('datetime_beginning_utc'), 60) }},
        'PJM' as iso,
        trim({{ adapter.quote('locale') }}) as as_region,
        upper(trim({{ adapter.quote('service') }})) as iso_as_product,
        {{ adapter.quote('mcp') }} as as_price,
        filename as source_file,
        {{ delivery_version_key('filename', 'PJM') }} as version_key
    from source
)

select * from renamed
