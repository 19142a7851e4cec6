with source as (
    select * from {{ landed_source('spp_landed', 'rtbm_lmp_daily_sl') }}
),

renamed as (
    -- RTBM 5-minute LMPs, daily roll-up (the interval files' columns, other names): macros/staging/spp_files.sql
    {{ spp_lmp_rows('source', 'rt', 5, 'GMT Interval', 'Settlement Location Name', 'PNODE Name') | indent(4) }}
)

select * from renamed
