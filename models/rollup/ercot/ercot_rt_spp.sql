{{ config(alias='rt_spp', location=rollup_location('ERCOT', 'RT_SPP'), changed_from='int_ercot__rt_spp') }}

{#- Stage 2 RT settlement point prices at 15 minutes (what is actually paid in real time). -#}
{{ stage2_latest(ref('int_ercot__rt_spp'), ['rt_lmp'], 'ERCOT', points_model=ref('int_ercot__settlement_points')) }}
