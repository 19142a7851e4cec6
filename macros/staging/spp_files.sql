{#- SPP Marketplace LMP files (FORMATS_MORE.md, SPP): the same eight or nine columns under two sets of names (the
    interval and DA files: `GMTIntervalEnd`, `Settlement Location`, `Pnode`; the daily roll-ups: `GMT Interval`,
    `Settlement Location Name`, `PNODE Name`), with or without `BAA`. Shared by the four LMP staging models. -#}

{% macro spp_lmp_rows(relation, prefix, interval_minutes, gmt_column='GMTIntervalEnd',
                      location_column='Settlement Location', pnode_column='Pnode', has_baa=false) -%}
  {#- The standard staging rows of one SPP LMP file: times from the GMT interval end (spp_gmt_end_times, the local
      `Interval` checked against it), the settlement location, BAA (SPP where the file has no or an empty `BAA`)
      and pnode, LMP and its MEC / MCC / MLC. -#}
  select
      {{ spp_gmt_end_times('"' ~ gmt_column ~ '"', '"Interval"', interval_minutes) }},
      'SPP' as iso,
      trim("{{ location_column }}") as settlement_point,
      cast(null as varchar) as iso_point_type,
      {% if has_baa %}coalesce(nullif(trim("BAA"), ''), 'SPP'){% else %}'SPP'{% endif %} as baa,
      trim("{{ pnode_column }}") as pnode,
      "LMP" as {{ prefix }}_lmp,
      "MEC" as {{ prefix }}_energy,
      "MCC" as {{ prefix }}_congestion,
      "MLC" as {{ prefix }}_loss,
      filename as source_file,
      {{ delivery_version_key('filename', 'SPP') }} as version_key
  from {{ relation }}
{%- endmacro %}
