{{ config(alias='as_prices', location=rollup_location('ERCOT', 'AS_prices'), changed_from='int_ercot__as_prices') }}

{#- Stage 2 AS: hourly DAM clearing prices, one row per (datetime, as_product). -#}
{{ stage2_latest(ref('int_ercot__as_prices'), ['as_price'], 'ERCOT', key_columns=['as_product']) }}
