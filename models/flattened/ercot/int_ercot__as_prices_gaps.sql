{{ config(materialized='table') }}

{#- The missing cells of ercot_as_prices's complete 60-minute time index, forward-filled or left NULL by the
    Stage 3 fill rule (macro fill_gaps); few rows: a complete dataset has none. -#}
{{ fill_gaps(ref('ercot_as_prices'), 'as_product', 'as_price', 60, 'ERCOT') }}
