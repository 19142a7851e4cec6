{{ config(alias='as_prices', location=rollup_location('PJM', 'AS_prices'), changed_from='int_pjm__as_prices') }}

{#- Stage 2 AS: hourly clearing prices, one row per (datetime, as_region, as_product): PJM prices ancillary services
    per reserve locale (the RTO zone and the Mid-Atlantic/Dominion subzone), so the region is part of the key. -#}
{{ stage2_latest(ref('int_pjm__as_prices'), ['as_price'], 'PJM', key_columns=['as_region', 'as_product']) }}
