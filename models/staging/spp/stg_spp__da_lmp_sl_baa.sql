with source as (
    select * from {{ landed_source('spp_landed', 'da_lmp_sl_baa') }}
),

renamed as (
    -- day-ahead hourly LMPs per settlement location and hour (2026 layout with BAA): macros/staging/spp_files.sql
    {{ spp_lmp_rows('source', 'da', 60, has_baa=true) | indent(4) }}
)

select * from renamed
