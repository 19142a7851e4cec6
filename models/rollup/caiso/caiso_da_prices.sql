{{ config(alias='da_prices', location=rollup_location('CAISO', 'DA_prices'), changed_from='int_caiso__da_prices') }}
{%- do ref('int_caiso__da_prices') -%}{#- changed_from reads it: a dependency -#}

{#- Stage 2 CAISO DA (PRC_LMP DAM), hourly: one row per (datetime, settlement_point) with the five OASIS price components as
    columns (pivoted in int_caiso__da_prices_pivoted). Only the years that received data are rewritten. -#}
{{ stage2_latest(ref('int_caiso__da_prices_pivoted'), ['da_lmp', 'da_energy', 'da_congestion', 'da_loss', 'da_ghg'], 'CAISO', points_model=ref('int_caiso__settlement_points')) }}
