with source as (
    select * from {{ landed_source('miso_landed', 'pricing_rt_lmp_expost') }}
),

renamed as (
    -- the Pricing API's 5-minute rows as the downloader wrote them, on MISO's fixed EST clock (macros/staging/miso_reports.sql)
    {{ miso_pricing_api_rows('source', 'rt') | indent(4) }}
)

select * from renamed
