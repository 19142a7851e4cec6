{{ config(alias='da_as_combined', location=rollup_location('ERCOT', 'combined/yearly/DA_AS_combined')) }}

{#- Stage 4 DA + AS, hourly: datetime | DA_<point>... | AS_<product>... on a complete hourly spine. -#}
{{ da_as_combined('ERCOT', ref('ercot_flat_da_prices'), ref('ercot_flat_as_prices'), ref('int_ercot__settlement_points')) }}
