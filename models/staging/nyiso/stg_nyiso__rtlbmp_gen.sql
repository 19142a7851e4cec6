with source as (
    select * from {{ landed_source('nyiso_landed', 'rtlbmp_gen') }}
),

renamed as (
    -- real-time hourly integrated LBMP (hour beginning; layout inferred), per generator: macros/staging/nyiso_files.sql
    {{ nyiso_lbmp_rows('source', 'rt', 60, 'generator') | indent(4) }}
)

select * from renamed
