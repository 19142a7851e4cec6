{{ config(alias='rt_5min', location=rollup_location('CAISO', 'RT_5min'), changed_from='int_caiso__rt_5min') }}
{%- do ref('int_caiso__rt_5min') -%}{#- changed_from reads it: a dependency -#}

{#- Stage 2 CAISO RT_5min (PRC_INTVL_LMP), 5-minute: one row per (datetime, settlement_point) with the five OASIS price components as
    columns (pivoted in int_caiso__rt_5min_pivoted). Only the years that received data are rewritten. -#}
{{ stage2_latest(ref('int_caiso__rt_5min_pivoted'), ['rt_lmp', 'rt_energy', 'rt_congestion', 'rt_loss', 'rt_ghg'], 'CAISO', points_model=ref('int_caiso__settlement_points')) }}
