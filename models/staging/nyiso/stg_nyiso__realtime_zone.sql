with source as (
    select * from {{ landed_source('nyiso_landed', 'realtime_zone') }}
),

renamed as (
    -- real-time (RTD) LBMP per zone, as 5-minute intervals: macros/staging/nyiso_files.sql
    {{ nyiso_rtd_rows('source', 'zone') | indent(4) }}
)

select * from renamed
