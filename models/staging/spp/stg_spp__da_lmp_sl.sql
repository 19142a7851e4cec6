with source as (
    select * from {{ landed_source('spp_landed', 'da_lmp_sl') }}
),

renamed as (
    -- day-ahead hourly LMPs per settlement location and hour (no BAA: all SPP): macros/staging/spp_files.sql
    {{ spp_lmp_rows('source', 'da', 60) | indent(4) }}
)

select * from renamed
