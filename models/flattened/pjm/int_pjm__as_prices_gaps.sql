{{ config(materialized='table') }}

{#- The missing cells of pjm_as_prices's complete 60-minute time index, forward-filled or left NULL by the
    Stage 3 fill rule (macro fill_gaps); few rows: a complete dataset has none. -#}
{{ fill_gaps(ref('pjm_as_prices'), "as_product || '_' || as_region", 'as_price', 60, 'PJM') }}
