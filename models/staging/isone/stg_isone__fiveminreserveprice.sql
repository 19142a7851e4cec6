with source as (
    select * from {{ landed_source('isone_landed', 'fiveminreserveprice') }}
),

renamed as (
    -- final five-minute reserve zone prices as hourly means per zone and product: macros/staging/isone_reports.sql
    {{ isone_reserve_rows('source') | indent(4) }}
)

select * from renamed
