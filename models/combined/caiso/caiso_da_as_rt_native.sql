{{ config(alias='da_as_rt_native', location=rollup_location('CAISO', 'combined/yearly/DA_AS_RT_native')) }}

{#- Stage 4 at CAISO's RT grain (15 minutes, RTPD): datetime | DA_<point> | AS_<as_product>_<as_region> | RT_<point>;
    DA and AS from the hour containing `datetime` (ASOF join: 4 rows per hour share them). -#}
{{ da_as_rt_native(ref('caiso_da_as_combined'), ref('caiso_flat_rt_prices'), ref('int_caiso__settlement_points')) }}
