{{ config(alias='as_prices', location=rollup_location('CAISO', 'AS_prices'), changed_from='int_caiso__as_prices') }}

{#- Stage 2 AS: hourly clearing prices, one row per (datetime, as_region, as_product): CAISO prices ancillary services
    per region (AS_CAISO_EXP system-wide, AS_NP26_EXP / AS_SP26_EXP sub-regions), so the region is part of the key. -#}
{{ stage2_latest(ref('int_caiso__as_prices'), ['as_price'], 'CAISO', key_columns=['as_region', 'as_product']) }}
