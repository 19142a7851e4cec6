{{ config(materialized='table') }}

{#- Every ERCOT settlement point seen, typed HUB / ZONE / NODE from ERCOT's own type, then name prefixes
    (rules in seed settlement_point_types). -#}
with seen as (
    select settlement_point, iso_point_type from {{ ref('int_ercot__da_prices') }}
    union
    select settlement_point, iso_point_type from {{ ref('int_ercot__rt_prices') }}
    union
    select settlement_point, iso_point_type from {{ ref('int_ercot__rt_spp') }}
)

{{ typed_settlement_points('ERCOT', 'seen') }}
