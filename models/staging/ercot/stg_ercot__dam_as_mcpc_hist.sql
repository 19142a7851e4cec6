with source as (
    select * from {{ landed_source('ercot_landed', 'np4_181_er') }}
),

unpivoted as (
    -- the yearly archive is wide (one column per service); Stage 2 is long
    unpivot source
    on "REGDN", "REGUP", "RRS", "NSPIN", "ECRS"
    into name iso_as_product value as_price
),

renamed as (
    select
        {{ ercot_hour_ending_times('"Delivery Date"', '"Hour Ending"', '"Repeated Hour Flag"') }},
        'ERCOT' as iso,
        iso_as_product,
        as_price,
        filename as source_file,
        {{ delivery_version_key('filename', 'ERCOT') }} as version_key
    from unpivoted
)

select * from renamed
