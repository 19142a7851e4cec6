with source as (
    select * from {{ landed_source('spp_landed', 'rtbm_lmp_sl') }}
),

renamed as (
    -- RTBM 5-minute LMPs, one file per interval (BAA optional, last): macros/staging/spp_files.sql
    {{ spp_lmp_rows('source', 'rt', 5, has_baa=true) | indent(4) }}
)

select * from renamed
