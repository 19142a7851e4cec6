{{ config(materialized='table') }}

{#- The missing cells of caiso_rt_5min's complete 5-minute time index, forward-filled or left NULL by the
    Stage 3 fill rule (macro fill_gaps); few rows: a complete dataset has none. -#}
{{ fill_gaps(ref('caiso_rt_5min'), 'settlement_point', 'rt_lmp', 5, 'CAISO') }}
