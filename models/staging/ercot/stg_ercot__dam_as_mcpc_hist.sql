with source as (
    select * from {{ landed_source('ercot_landed', 'np4_181_er') }}
),

unpivoted as (
    -- the yearly archive is wide (one column per service); Stage 2 is long  -- noqa: LT02
    {{ unpivot_columns('source', [
        adapter.quote('REGDN'),
        adapter.quote('REGUP'),
        adapter.quote('RRS'),
        adapter.quote('NSPIN'),
        adapter.quote('ECRS')
    ], 'iso_as_product', 'as_price') }}
),

renamed as (
    select
        {{ ercot_hour_ending_times(
            adapter.quote('Delivery Date'),
            adapter.quote('Hour Ending'),
            adapter.quote('Repeated Hour Flag')
        ) }},
        'ERCOT' as iso,
        iso_as_product,
        as_price,
        filename as source_file,
        {{ delivery_version_key('filename', 'ERCOT') }} as version_key
    from unpivoted
)

select * from renamed
