with source as (
    select * from {{ landed_source('ercot_landed', 'np6_785_er') }}
),

renamed as (
    select
        {{ ercot_delivery_interval_times(
            adapter.quote('Delivery Date'),
            adapter.quote('Delivery Hour'),
            adapter.quote('Delivery Interval'),
            adapter.quote('Repeated Hour Flag')
        ) }},
        'ERCOT' as iso,
        trim({{ adapter.quote('Settlement Point Name') }}) as settlement_point,
        trim({{ adapter.quote('Settlement Point Type') }}) as iso_point_type,
        {{ adapter.quote('Settlement Point Price') }} as rt_lmp,
        filename as source_file,
        {{ delivery_version_key('filename', 'ERCOT') }} as version_key
    from source
)

select * from renamed
