{{ config(materialized='table') }}

{#- The missing cells of pjm_da_prices's complete 60-minute time index, forward-filled or left NULL by the
    Stage 3 fill rule (macro fill_gaps); few rows: a complete dataset has none. -#}
{{ fill_gaps(ref('pjm_da_prices'), 'settlement_point', 'da_lmp', 60, 'PJM') }}
