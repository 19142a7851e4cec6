{{ config(alias='da_as_combined', location=rollup_location('PJM', 'combined/yearly/DA_AS_combined')) }}

{#- Stage 4 DA + AS, hourly: datetime | DA_<point>... | AS_<as_product>_<as_region>... on a complete hourly spine. -#}
{{ da_as_combined('PJM', ref('pjm_flat_da_prices'), ref('pjm_flat_as_prices'), ref('int_pjm__settlement_points')) }}
