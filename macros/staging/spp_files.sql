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

{% macro spp_mcp_rows(relation, products, interval_minutes) -%}
  {#- The standard staging rows of an SPP market clearing price file (DA-MCP, RTBM-MCP, RTBM-MCP-DAILY): the wide
      product columns unpivoted into one row per reserve zone, product and interval (products upper-cased as seed
      as_products spells them), times from the GMT interval end (spp_gmt_end_times, with spp_local_matches_gmt). -#}
  {%- set columns = [] -%}
  {%- for product in products %}{% do columns.append('"' ~ product ~ '"') %}{% endfor -%}
  with unpivoted as (
      {{ unpivot_columns(relation, columns, 'product', 'as_price') }}
  )

  select
      {{ spp_gmt_end_times('"GMTIntervalEnd"', '"Interval"', interval_minutes) }},
      'SPP' as iso,
      trim("Reserve Zone") as as_region,
      upper(product) as iso_as_product,
      as_price,
      filename as source_file,
      {{ delivery_version_key('filename', 'SPP') }} as version_key
  from unpivoted
{%- endmacro %}
