{{ config(incremental_strategy='append') }}

{#- Every landed SCED row (all runs, not yet deduplicated); appended file by file. version_key is the run's SCEDTimestamp. -#}
{{ landed_rows('ERCOT', [(ref('stg_ercot__sced_lmp'), 'np6_788_cd')],
               ['settlement_point', 'iso_point_type', 'rt_lmp']) }}
