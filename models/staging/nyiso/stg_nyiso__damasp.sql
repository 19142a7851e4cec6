with source as (
    select * from {{ landed_source('nyiso_landed', 'damasp') }}
),

renamed as (
    -- day-ahead ancillary service prices, one row per zone, product and hour: macros/staging/nyiso_files.sql
    {{ nyiso_asp_rows('source') | indent(4) }}
)

select * from renamed
