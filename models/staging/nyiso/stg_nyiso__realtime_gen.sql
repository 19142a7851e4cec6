with source as (
    select * from {{ landed_source('nyiso_landed', 'realtime_gen') }}
),

renamed as (
    -- real-time (RTD) LBMP per generator, as 5-minute intervals: macros/staging/nyiso_files.sql
    {{ nyiso_rtd_rows('source', 'generator') | indent(4) }}
)

select * from renamed
