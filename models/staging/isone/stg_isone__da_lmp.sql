with source as (
    select * from {{ landed_source('isone_landed', 'da_lmp') }}
),

renamed as (
    -- day-ahead hourly LMPs (WW_DALMP_ISO): macros/staging/isone_reports.sql
    {{ isone_lmp_rows('source', 'da', 60, hour_ending_start('"Date"', '"Hour Ending"')) | indent(4) }}
)

select * from renamed
