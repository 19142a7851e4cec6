{{ config(alias='monthly_all_markets', location=rollup_location('CAISO', 'combined/monthly/ALL_markets'), partition_by=['year', 'month']) }}

{#- ALL_markets split by local year and month: combined/monthly/ALL_markets/year=YYYY/month=MM/. -#}
{{ monthly_split(ref('caiso_all_markets'), 'CAISO') }}
