{{ config(materialized='view', schema='cross_iso', alias='prices', tags=['cross_iso']) }}

{#- Every ISO's Stage 2 DA_prices and RT_prices in the standard columns, one row per (iso, market, datetime,
    settlement_point): an analyst compares ERCOT HB_NORTH, PJM WESTERN HUB, CAISO TH_SP15_GEN-APND, MISO ILLINOIS.HUB,
    SPP SPPNORTH_HUB, NYISO's N.Y.C. zone (NYISO has no hub) and ISO-NE .H.INTERNAL_HUB in one query.
    A view over the Stage 2 views (the parquet): nothing is copied. Components (energy, congestion, loss) are NULL
    where the ISO does not publish them (ERCOT). A new ISO is one more line in `datasets`. -#}
{%- set datasets = [
    ('DA', 'DA_prices', ref('ercot_da_prices'), 'da'),
    ('RT', 'RT_prices', ref('ercot_rt_prices'), 'rt'),
    ('DA', 'DA_prices', ref('caiso_da_prices'), 'da'),
    ('RT', 'RT_prices', ref('caiso_rt_prices'), 'rt'),
    ('DA', 'DA_prices', ref('pjm_da_prices'), 'da'),
    ('RT', 'RT_prices', ref('pjm_rt_prices'), 'rt'),
    ('DA', 'DA_prices', ref('miso_da_prices'), 'da'),
    ('RT', 'RT_prices', ref('miso_rt_prices'), 'rt'),
    ('DA', 'DA_prices', ref('spp_da_prices'), 'da'),
    ('RT', 'RT_prices', ref('spp_rt_prices'), 'rt'),
    ('DA', 'DA_prices', ref('nyiso_da_prices'), 'da'),
    ('RT', 'RT_prices', ref('nyiso_rt_prices'), 'rt'),
    ('DA', 'DA_prices', ref('isone_da_prices'), 'da'),
    ('RT', 'RT_prices', ref('isone_rt_prices'), 'rt'),
] -%}

{% for market, dataset, rel, p in datasets -%}
{%- set available = relation_columns(rel) -%}
select
    iso,
    '{{ market }}' as market,
    '{{ dataset }}' as dataset,
    datetime,
    interval_end,
    datetime_local,
    hour_ending,
    interval_minutes,
    settlement_point,
    settlement_type,
    {{ p }}_lmp as price,
    {%- for component in ['energy', 'congestion', 'loss'] %}
    {%- set column = p ~ '_' ~ component %}
    {{ column if column in available else 'cast(null as double)' }} as {{ component }},
    {%- endfor %}
    source_file,
    year
from {{ rel }}
{% if not loop.last %}union all
{% endif %}
{%- endfor %}
