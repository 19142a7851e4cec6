{{ config(alias='da_prices', location=rollup_location('ERCOT', 'DA_prices'), changed_from='int_ercot__da_prices') }}

{#- Stage 2 DA: long, typed, UTC; one row per (datetime, settlement_point): a later delivery of the same
    interval replaces an earlier one. Only the years that received data are rewritten. -#}
{{ stage2_latest(ref('int_ercot__da_prices'), ['da_lmp'], 'ERCOT', points_model=ref('int_ercot__settlement_points')) }}
