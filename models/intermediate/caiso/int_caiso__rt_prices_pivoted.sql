{{ config(materialized='view') }}

{#- CAISO RT (PRC_RTPD_LMP), 15-minute: OASIS delivers each price component in its own CSV, so a landed row is one (node, interval,
    component). For each component the latest delivery wins (version_key: OASIS request time); the five are then
    pivoted into one row per (datetime, settlement_point), rt_lmp = rt_energy + rt_congestion + rt_loss + rt_ghg, ready
    for the generic Stage 2 select. source_file is the LMP component's CSV. -#}
{{ price_components_pivot(ref('int_caiso__rt_prices'), 'rt') }}
