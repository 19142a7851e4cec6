{{ config(alias='da_as_rt_native', location=rollup_location('PJM', 'combined/yearly/DA_AS_RT_native')) }}

{#- Stage 4 at PJM's RT grain (5 minutes): datetime | DA_<point> | AS_<as_product>_<as_region> | RT_<point>;
    DA and AS from the hour containing `datetime` (ASOF join: 12 rows per hour share them). -#}
{{ da_as_rt_native(ref('pjm_da_as_combined'), ref('pjm_flat_rt_prices'), ref('int_pjm__settlement_points')) }}
