{{ config(materialized='table') }}

{#- The missing cells of pjm_rt_hourly's complete 60-minute time index, forward-filled or left NULL by the
    Stage 3 fill rule (macro fill_gaps); few rows: a complete dataset has none. -#}
{{ fill_gaps(ref('pjm_rt_hourly'), 'settlement_point', 'rt_lmp', 60, 'PJM') }}
