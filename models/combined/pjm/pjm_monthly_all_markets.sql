{{ config(alias='monthly_all_markets', location=rollup_location('PJM', 'combined/monthly/ALL_markets'), partition_by=['year', 'month']) }}

{#- ALL_markets split by local year and month: combined/monthly/ALL_markets/year=YYYY/month=MM/. -#}
{{ monthly_split(ref('pjm_all_markets'), 'PJM') }}
