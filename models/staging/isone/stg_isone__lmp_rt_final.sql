with source as (
    select * from {{ landed_source('isone_landed', 'lmp_rt_final') }}
),

renamed as (
    -- real-time hourly final LMPs (lmp_rt_final): macros/staging/isone_reports.sql
    {{ isone_lmp_rows('source', 'rt', 60, hour_ending_start('"Date"', '"Hour Ending"')) | indent(4) }}
)

select * from renamed
