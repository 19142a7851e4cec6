{{ config(materialized='view') }}

{#- CAISO DA (PRC_LMP DAM), hourly: OASIS delivers each price component in its own CSV, so a landed row is one (node, interval,
    component). For each component the latest delivery wins (version_key: OASIS request time); the five are then
    pivoted into one row per (datetime, settlement_point), da_lmp = da_energy + da_congestion + da_loss + da_ghg, ready
    for the generic Stage 2 select. source_file is the LMP component's CSV. -#}
{{ price_components_pivot(ref('int_caiso__da_prices'), 'da') }}
