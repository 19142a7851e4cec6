with source as (
    select * from {{ landed_source('nyiso_landed', 'damlbmp_gen') }}
),

renamed as (
    -- day-ahead hourly LBMP (Time Stamp = hour beginning), per generator: macros/staging/nyiso_files.sql
    {{ nyiso_lbmp_rows('source', 'da', 60, 'generator') | indent(4) }}
)

select * from renamed
