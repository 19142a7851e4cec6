with source as (
    select * from {{ landed_source('nyiso_landed', 'rtlbmp_zone') }}
),

renamed as (
    -- real-time hourly integrated LBMP (hour beginning; layout inferred), per zone: macros/staging/nyiso_files.sql
    {{ nyiso_lbmp_rows('source', 'rt', 60, 'zone') | indent(4) }}
)

select * from renamed
