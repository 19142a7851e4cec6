with source as (
    select * from {{ landed_source('ercot_landed', 'np6_788_cd') }}
),

renamed as (
    select
        {{ ercot_sced_times(adapter.quote('SCEDTimestamp'), adapter.quote('RepeatedHourFlag')) }},
        'ERCOT' as iso,
        trim({{ adapter.quote('SettlementPoint') }}) as settlement_point,
        cast(null as string) as iso_point_type,
        {{ adapter.quote('LMP') }} as rt_lmp,
        {{ adapter.quote('SCEDTimestamp') }} as sced_timestamp_local,
        filename as source_file,
        -- the latest SCED run in an interval wins: runs are ordered by their own (local) time
        {{ adapter.quote('SCEDTimestamp') }} as version_key
    from source
)

select * from renamed
