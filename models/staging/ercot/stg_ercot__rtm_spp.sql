with source as (
    select * from {{ landed_source('ercot_landed', 'np6_905_cd') }}
),

renamed as (
    select
        {{ ercot_delivery_interval_times(
            adapter.quote('DeliveryDate'),
            adapter.quote('DeliveryHour'),
            adapter.quote('DeliveryInterval'),
            adapter.quote('DSTFlag')
        ) }},
        'ERCOT' as iso,
        trim({{ adapter.quote('SettlementPointName') }}) as settlement_point,
        trim({{ adapter.quote('SettlementPointType') }}) as iso_point_type,
        {{ adapter.quote('SettlementPointPrice') }} as rt_lmp,
        filename as source_file,
        {{ delivery_version_key('filename', 'ERCOT') }} as version_key
    from source
)

select * from renamed
