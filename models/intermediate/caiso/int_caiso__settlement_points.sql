{{ config(materialized='table') }}

{#- Every CAISO node seen in DA, RT and RT_5min, typed by name prefix (TH_ hub, DLAP_/SLAP_ zone, else NODE; rules in
    seed settlement_point_types). -#}
with seen as (
    select settlement_point, iso_point_type from {{ ref('int_caiso__da_prices') }}
    union
    select settlement_point, iso_point_type from {{ ref('int_caiso__rt_prices') }}
    union
    select settlement_point, iso_point_type from {{ ref('int_caiso__rt_5min') }}
)

{{ typed_settlement_points('CAISO', 'seen') }}
