with source as (
    select * from {{ landed_source('miso_landed', 'da_expost_lmp') }}
),

renamed as (
    -- the wide HE 1..HE 24 columns unpivoted and a node's LMP, MCC and MLC rows side by side (macros/staging/miso_reports.sql)
    {{ miso_lmp_rows('source', 'da') | indent(4) }}
)

select * from renamed
