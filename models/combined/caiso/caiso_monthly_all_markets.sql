{{ config(alias='monthly_all_markets', location=rollup_location('CAISO', 'combined/monthly/ALL_markets'), partition_by=['year', 'month']) }}

{#- ALL_markets split by local year and month: combined/monthly/ALL_markets/year=YYYY/month=MM/. -#}
select
    *,
    extract(month from timezone('{{ iso_timezone('CAISO') }}', datetime))::integer as month
from {{ ref('caiso_all_markets') }}
