with source as (
    select * from {{ landed_source('ercot_landed', 'np4_180_er') }}
),

renamed as (
    select
        {{ ercot_hour_ending_times(
            adapter.quote('Delivery Date'),
            adapter.quote('Hour Ending'),
            adapter.quote('Repeated Hour Flag')
        ) }},
        'ERCOT' as iso,
        trim({{ adapter.quote('Settlement Point') }}) as settlement_point,
        cast(null as string) as iso_point_type,
        {{ adapter.quote('Settlement Point Price') }} as da_lmp,
        filename as source_file,
        {{ delivery_version_key('filename', 'ERCOT') }} as version_key
    from source
)

select * from renamed
