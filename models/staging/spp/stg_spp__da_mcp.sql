with source as (
    select * from {{ landed_source('spp_landed', 'da_mcp') }}
),

renamed as (
    -- day-ahead MCPs, one row per reserve zone, product and hour, keyed on the GMT hour end: macros/staging/spp_files.sql
    {{ spp_mcp_rows('source', ['RegUP', 'RegDN', 'Spin', 'Supp', 'RampUP', 'RampDN', 'UncUP'], 60) | indent(4) }}
)

select * from renamed
