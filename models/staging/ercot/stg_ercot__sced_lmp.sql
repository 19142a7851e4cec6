with source as (
    select * from {{ landed_source('ercot_landed', 'np6_788_cd') }}
),

renamed as (
    select
        {{ ercot_sced_times('"SCEDTimestamp"', '"RepeatedHourFlag"') }},
        'ERCOT' as iso,
        trim("SettlementPoint") as settlement_point,
        cast(null as varchar) as iso_point_type,
        "LMP" as rt_lmp,
        "SCEDTimestamp" as sced_timestamp_local,
        filename as source_file,
        -- the latest SCED run in an interval wins: runs are ordered by their own (local) time
        "SCEDTimestamp" as version_key
    from source
)

select * from renamed
