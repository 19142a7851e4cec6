with source as (
    select * from {{ landed_source('isone_landed', 'lmp_5min') }}
),

renamed as (
    -- five-minute preliminary LMPs (lmp_5min; layout inferred): macros/staging/isone_reports.sql
    {{ isone_lmp_rows('source', 'rt', 5, isone_five_minute_start()) | indent(4) }}
)

select * from renamed
