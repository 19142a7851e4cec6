with source as (
    select * from {{ landed_source('nyiso_landed', 'damlbmp_zone') }}
),

renamed as (
    -- day-ahead hourly LBMP (Time Stamp = hour beginning), per zone: macros/staging/nyiso_files.sql
    {{ nyiso_lbmp_rows('source', 'da', 60, 'zone') | indent(4) }}
)

select * from renamed
