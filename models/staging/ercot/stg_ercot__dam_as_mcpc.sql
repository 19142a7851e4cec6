with source as (
    select * from {{ landed_source('ercot_landed', 'np4_188_cd') }}
),

renamed as (
    select
        {{ ercot_hour_ending_times(
            adapter.quote('DeliveryDate'),
            adapter.quote('HourEnding'),
            adapter.quote('DSTFlag')
        ) }},
        'ERCOT' as iso,
        upper(trim({{ adapter.quote('AncillaryType') }})) as iso_as_product,
        {{ adapter.quote('MCPC') }} as as_price,
        filename as source_file,
        {{ delivery_version_key('filename', 'ERCOT') }} as version_key
    from source
)

select * from renamed
