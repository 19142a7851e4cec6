with source as (
    select * from {{ landed_source('isone_landed', 'hourlyfinalreserveprice') }}
),

renamed as (
    -- ISO-NE's own final hourly reserve zone prices (web services), placed by their offset: macros/staging/isone_reports.sql
    {{ isone_api_reserve_rows('source') | indent(4) }}
)

select * from renamed
