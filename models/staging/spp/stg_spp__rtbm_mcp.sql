{#- the RTBM MCP file's product columns, as SPP names them -#}
{%- set products = ['RegUPService', 'RegDNService', 'RegUpMile', 'RegDNMile',
                    'RampUP', 'RampDN', 'Spin', 'Supp', 'UncUP'] -%}

with source as (
    select * from {{ landed_source('spp_landed', 'rtbm_mcp') }}
),

renamed as (
    -- RTBM 5-minute MCPs, one row per reserve zone, product and interval, keyed on the GMT end: macros/staging/spp_files.sql
    {{ spp_mcp_rows('source', products, 5) | indent(4) }}
)

select * from renamed
