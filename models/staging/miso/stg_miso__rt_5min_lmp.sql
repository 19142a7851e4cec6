with source as (
    select * from {{ landed_source('miso_landed', 'rt_5min_lmp') }}
),

renamed as (
    -- long, one row per node and 5-minute interval on MISO's fixed EST clock (macros/staging/miso_reports.sql)
    {{ miso_five_minute_rows('source', 'rt') | indent(4) }}
)

select * from renamed
