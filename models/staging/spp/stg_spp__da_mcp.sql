with source as (
    select * from {{ landed_source('spp_landed', 'da_mcp') }}
),

unpivoted as (
    -- wide (one column per reserve product); Stage 2 is long
    unpivot source
    on "RegUP", "RegDN", "RampUP", "RampDN", "Spin", "Supp", "UncUP"
    into name product value as_price
),

renamed as (
    -- day-ahead MCPs, one row per reserve zone, product and hour; keyed on the GMT hour end
    select
        {{ spp_gmt_end_times('"GMTIntervalEnd"', '"Interval"', 60) }},
        'SPP' as iso,
        trim("Reserve Zone") as as_region,
        upper(product) as iso_as_product,
        as_price,
        filename as source_file,
        {{ delivery_version_key('filename', 'SPP') }} as version_key
    from unpivoted
)

select * from renamed
