{{ config(alias='rt_prices', location=rollup_location('CAISO', 'RT_prices'), changed_from='int_caiso__rt_prices') }}
{%- do ref('int_caiso__rt_prices') -%}{#- changed_from reads it: a dependency -#}

{#- Stage 2 CAISO RT (PRC_RTPD_LMP), 15-minute: one row per (datetime, settlement_point) with the five OASIS price components as
    columns (pivoted in int_caiso__rt_prices_pivoted). Only the years that received data are rewritten. -#}
{{ stage2_latest(ref('int_caiso__rt_prices_pivoted'), ['rt_lmp', 'rt_energy', 'rt_congestion', 'rt_loss', 'rt_ghg'], 'CAISO', points_model=ref('int_caiso__settlement_points')) }}
