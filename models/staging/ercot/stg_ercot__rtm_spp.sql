with source as (
    select * from {{ landed_source('ercot_landed', 'np6_905_cd') }}
),

renamed as (
    select
        {{ ercot_delivery_interval_times('"DeliveryDate"', '"DeliveryHour"', '"DeliveryInterval"', '"DSTFlag"') }},
        'ERCOT' as iso,
        trim("SettlementPointName") as settlement_point,
        trim("SettlementPointType") as iso_point_type,
        "SettlementPointPrice" as rt_lmp,
        filename as source_file,
        {{ delivery_version_key('filename', 'ERCOT') }} as version_key
    from source
)

select * from renamed
