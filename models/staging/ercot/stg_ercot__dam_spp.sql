with source as (
    select * from {{ landed_source('ercot_landed', 'np4_190_cd') }}
),

renamed as (
    select
        {{ ercot_hour_ending_times(
            adapter.quote('DeliveryDate'),
            adapter.quote('HourEnding'),
            adapter.quote('DSTFlag')
        ) }},
        'ERCOT' as iso,
        trim({{ adapter.quote('SettlementPoint') }}) as settlement_point,
        cast(null as string) as iso_point_type,
        {{ adapter.quote('SettlementPointPrice') }} as da_lmp,
        filename as source_file,
        {{ delivery_version_key('filename', 'ERCOT') }} as version_key
    from source
)

select * from renamed
