{{ config(materialized='table') }}

{#- Every PJM pnode seen in DA, RT and RT_hourly, typed from PJM's own pnode type (HUB, ZONE; the rest NODE; rules in
    seed settlement_point_types). A pnode seen with two types keeps the greater (max). -#}
with seen as (
    select settlement_point, iso_point_type from {{ ref('int_pjm__da_prices') }}
    union
    select settlement_point, iso_point_type from {{ ref('int_pjm__rt_prices') }}
    union
    select settlement_point, iso_point_type from {{ ref('int_pjm__rt_hourly') }}
)

{{ typed_settlement_points('PJM', 'seen') }}
