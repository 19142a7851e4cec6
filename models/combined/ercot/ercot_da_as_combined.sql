{{ config(alias='da_as_combined', location=rollup_location('ERCOT', 'combined/yearly/DA_AS_combined')) }}

{#- Stage 4 DA + AS, hourly: datetime | DA_<point>... | AS_<product>... on a complete hourly spine. -#}
{%- set da = ref('ercot_flat_da_prices') -%}
{%- set as_ = ref('ercot_flat_as_prices') -%}
{%- set points = combined_points(ref('int_ercot__settlement_points'), relation_columns(da)) -%}
{%- set products = relation_columns(as_) -%}

with hours as (
    {{ hourly_spine([da, as_], 'ERCOT') }}
)

select
    hours.datetime,
    {{- prefixed('da', points, 'DA_') }}
    {{- prefixed('a', products, 'AS_') }}
    {{ local_year('hours.datetime', 'ERCOT') }} as year
from hours
left join {{ da }} as da on da.datetime = hours.datetime
left join {{ as_ }} as a on a.datetime = hours.datetime
order by hours.datetime
