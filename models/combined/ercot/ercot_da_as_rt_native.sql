{{ config(alias='da_as_rt_native', location=rollup_location('ERCOT', 'combined/yearly/DA_AS_RT_native')) }}

{#- Stage 4 at RT grain (5 minutes): datetime | DA_<point> | AS_<product> | RT_<point>; DA and AS from the hour
    containing `datetime` (ASOF join: 12 rows per hour share them). -#}
{{ da_as_rt_native(ref('ercot_da_as_combined'), ref('ercot_flat_rt_prices'), ref('int_ercot__settlement_points')) }}
