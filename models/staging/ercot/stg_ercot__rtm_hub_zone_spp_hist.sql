with source as (
    select * from {{ landed_source('ercot_landed', 'np6_785_er') }}
),

renamed as (
    select
        {{ ercot_delivery_interval_times(
            '"Delivery Date"', '"Delivery Hour"', '"Delivery Interval"', '"Repeated Hour Flag"'
        ) }},
        'ERCOT' as iso,
        trim("Settlement Point Name") as settlement_point,
        trim("Settlement Point Type") as iso_point_type,
        "Settlement Point Price" as rt_lmp,
        filename as source_file,
        {{ delivery_version_key('filename', 'ERCOT') }} as version_key
    from source
)

select * from renamed
