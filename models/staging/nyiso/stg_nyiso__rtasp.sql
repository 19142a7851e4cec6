with source as (
    select * from {{ landed_source('nyiso_landed', 'rtasp') }}
),

renamed as (
    -- real-time ancillary service prices per zone, product and 5-minute interval: macros/staging/nyiso_files.sql
    {{ nyiso_rtasp_rows('source') | indent(4) }}
)

select * from renamed
