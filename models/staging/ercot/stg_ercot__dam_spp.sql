with source as (
    select * from {{ landed_source('ercot_landed', 'np4_190_cd') }}
),

renamed as (
    select
        {{ ercot_hour_ending_times('"DeliveryDate"', '"HourEnding"', '"DSTFlag"') }},
        'ERCOT' as iso,
        trim("SettlementPoint") as settlement_point,
        cast(null as varchar) as iso_point_type,
        "SettlementPointPrice" as da_lmp,
        filename as source_file,
        {{ delivery_version_key('filename', 'ERCOT') }} as version_key
    from source
)

select * from renamed
