{{ config(materialized='table') }}

{#- The missing cells of ercot_rt_spp's complete 15-minute time index, forward-filled or left NULL by the
    Stage 3 fill rule (macro fill_gaps); few rows: a complete dataset has none. -#}
{{ fill_gaps(ref('ercot_rt_spp'), 'settlement_point', 'rt_lmp', 15, 'ERCOT') }}
