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
    -- rank: two rows of one component in the latest version are kept (max() below would hide one), see below
    qualify rank() over (
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
-- two rows of one component in the latest version (a delivery contradicting itself) fail the build, naming them
having case when count(*) > count(distinct lmp_type)
    then {{ fail_with("'two rows of one price component in one delivery: ' || settlement_point || ' at ' || "
                      ~ minute_text('datetime_local') ~ " || ' local, ' || coalesce(max(source_file), '?')") }}
    else true end
{%- endmacro %}
