{{ config(alias='da_as_combined', location=rollup_location('CAISO', 'combined/yearly/DA_AS_combined')) }}

{#- Stage 4 DA + AS, hourly: datetime | DA_<point>... | AS_<product>_<region>... on a complete hourly spine. -#}
{%- set da = ref('caiso_flat_da_prices') -%}
{%- set as_ = ref('caiso_flat_as_prices') -%}
{%- set points = combined_points(ref('int_caiso__settlement_points'), relation_columns(da)) -%}
{%- set products = relation_columns(as_) -%}

with hours as (
    {{ hourly_spine([da, as_], 'CAISO') }}
)

select
    hours.datetime,
    {{- prefixed('da', points, 'DA_') }}
    {{- prefixed('a', products, 'AS_') }}
    {{ local_year('hours.datetime', 'CAISO') }} as year
from hours
left join {{ da }} as da on da.datetime = hours.datetime
left join {{ as_ }} as a on a.datetime = hours.datetime
order by hours.datetime
