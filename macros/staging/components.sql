{% macro price_components_pivot(all_rows, prefix, components={'LMP': 'lmp', 'MCE': 'energy', 'MCC': 'congestion', 'MCL': 'loss', 'MGHG': 'ghg'}) -%}
  {#-
    For ISOs that publish one row per price component (CAISO OASIS: LMP_TYPE LMP / MCE / MCC / MCL / MGHG, each in
    its own CSV): keep the latest delivery of each component, then pivot them into one row per (datetime,
    settlement_point) with <prefix>_lmp, <prefix>_energy, ... ready for stage2_latest. source_file is the LMP
    component's CSV.
  -#}
with latest as (
    select *
    from {{ all_rows }}
    qualify row_number() over (
        partition by year, datetime, settlement_point, lmp_type order by version_key desc
    ) = 1
)

select
    datetime,
    datetime_local,
    interval_minutes,
    settlement_point,
    {%- for code, name in components.items() %}
    max(price) filter (where lmp_type = '{{ code }}') as {{ prefix }}_{{ name }},
    {%- endfor %}
    coalesce(max(source_file) filter (where lmp_type = 'LMP'), min(source_file)) as source_file,
    max(version_key) as version_key,
    year,
    max(_loaded_at) as _loaded_at
from latest
group by all
{%- endmacro %}
