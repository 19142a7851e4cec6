with source as (
    select * from {{ landed_source('miso_landed', 'asm_expost_damcp') }}
),

hourly as (
    -- the wide HE 1..HE 24 columns unpivoted: one row per region, MCP type and hour ending, with its market day
    {{ miso_hours_unpivoted('source') | indent(4) }}
),

renamed as (
    -- market times are Eastern Standard Time all year (fixed UTC-5): HE h of day d starts at d + (h-1) h + 5 h UTC
    select
        {{ fixed_offset_hour_ending_times('MISO', 'market_day', 'hour_ending') }},
        'MISO' as iso,
        case when trim("Zone") = 'MISO Wide' then 'MISO' else 'ZONE' || cast(trim("Zone") as integer) end as as_region,
        upper(trim("MCP Type")) as iso_as_product,
        price as as_price,
        filename as source_file,
        {{ delivery_version_key('filename', 'MISO') }} as version_key
    from hourly
)

select * from renamed
