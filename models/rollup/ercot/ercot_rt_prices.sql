{{ config(alias='rt_prices', location=rollup_location('ERCOT', 'RT_prices'), changed_from='int_ercot__rt_prices') }}

{#- Stage 2 RT (SCED LMPs) at 5 minutes: SCED runs floored to the interval; the latest run in an interval wins. -#}
{{ stage2_latest(ref('int_ercot__rt_prices'), ['rt_lmp'], 'ERCOT', points_model=ref('int_ercot__settlement_points')) }}
