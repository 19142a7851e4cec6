{{ config(materialized='table') }}

{#- The missing cells of pjm_rt_prices's complete 5-minute time index, forward-filled or left NULL by the
    Stage 3 fill rule (macro fill_gaps); few rows: a complete dataset has none. -#}
{{ fill_gaps(ref('pjm_rt_prices'), 'settlement_point', 'rt_lmp', 5, 'PJM') }}
