{#- NYISO MIS price files (FORMATS_MORE.md, NYISO): `Time Stamp`, `Name`, `PTID`, LBMP and its loss and congestion
    components, in every LBMP dataset (damlbmp, realtime, rtlbmp; zonal and generator files), plus the Occurrence
    column landing adds. Shared by the four hourly LBMP staging models
    (nyiso_lbmp_rows) and the two real-time ones (nyiso_rtd_rows). -#}

{% macro nyiso_stamp(col) -%}
  {#- NYISO's `MM/DD/YYYY HH:MM` (hourly files) or `MM/DD/YYYY HH:MM:SS` (real-time) as TIMESTAMP; anything else
      fails the build (landing already refused it). -#}
  strptime(trim({{ col }}), ['%m/%d/%Y %H:%M', '%m/%d/%Y %H:%M:%S'])
{%- endmacro %}

{% macro nyiso_lbmp_rows(relation, prefix, interval_minutes, point_type) -%}
  {#- The standard staging rows of one NYISO LBMP file. NYISO's sign: LBMP = energy + losses - congestion (a
      positive "Marginal Cost Congestion" lowers the price; checked on real rows). Ours is PJM's, LMP = energy +
      congestion + loss: <prefix>_congestion = -(Marginal Cost Congestion), <prefix>_energy = LBMP - losses +
      Marginal Cost Congestion. -#}
  select
      {{ local_order_times('NYISO', nyiso_stamp('"Time Stamp"'), '"Occurrence"', interval_minutes) }},
      'NYISO' as iso,
      trim("Name") as settlement_point,
      '{{ point_type }}' as iso_point_type,
      "PTID" as ptid,
      "LBMP" as {{ prefix }}_lmp,
      round("LBMP" - "Marginal Cost Losses" + "Marginal Cost Congestion", 6) as {{ prefix }}_energy,
      0.0 - "Marginal Cost Congestion" as {{ prefix }}_congestion,
      "Marginal Cost Losses" as {{ prefix }}_loss,
      filename as source_file,
      {{ delivery_version_key('filename', 'NYISO') }} as version_key
  from {{ relation }}
{%- endmacro %}

{% macro nyiso_rtd_rows(relation, point_type) -%}
  {#- The 5-minute rows of one NYISO real-time (RTD) day file. Each row closes an RTD interval at its `Time Stamp`
      (interval END, Eastern wall clock + Occurrence); most ends sit on the 5-minute grid, but real files also hold
      extra intervals ending off it (`20:13:42`, `20:14:54` before `20:15:00`: seen in real 2022 files). A 5-minute
      interval's price is the time-weighted mean of the RTD intervals ending in it, each weighted by its length
      inside the interval (from the location's previous end in the file, at most from the 5-minute start); an
      interval with one on-grid row keeps that row's values exactly. `rtd_intervals` says how many were averaged. -#}
  with {{ nyiso_rtd_weights(relation, ['"PTID"']) }}

  select
      {{ local_order_times_from_utc('NYISO', 'utc_start', 5) }},
      'NYISO' as iso,
      trim(any_value("Name")) as settlement_point,
      '{{ point_type }}' as iso_point_type,
      "PTID" as ptid,
      {{ rtd_weighted_mean('"LBMP"') }} as rt_lmp,
      {{ rtd_weighted_mean('"LBMP" - "Marginal Cost Losses" + "Marginal Cost Congestion"') }} as rt_energy,
      {{ rtd_weighted_mean('0.0 - "Marginal Cost Congestion"') }} as rt_congestion,
      {{ rtd_weighted_mean('"Marginal Cost Losses"') }} as rt_loss,
      count(*) as rtd_intervals,
      filename as source_file,
      {{ delivery_version_key('filename', 'NYISO') }} as version_key
  from weighted
  group by filename, "PTID", utc_start
{%- endmacro %}

{% macro nyiso_rtd_weights(relation, keys) -%}
  {#- The CTEs `timed`, `bucketed`, `weighted` (for a `with`) shared by NYISO's real-time files: each row of
      `relation` closes an RTD interval at its `Time Stamp` (interval END: Eastern wall clock + Occurrence) -> utc_end;
      utc_start is the 5-minute interval it ends in; `seconds` its length inside that interval (from the previous end
      of the same file and `keys` - the location, and the product of an AS file - at most from the 5-minute
      start). rtd_weighted_mean averages with these weights. -#}
  timed as (
      select
          *,
          {{ local_order_utc('NYISO', nyiso_stamp('"Time Stamp"'), '"Occurrence"') }} as utc_end
      from {{ relation }}
  ),

  bucketed as (
      select *, time_bucket(interval 5 minute, utc_end - interval 1 microsecond) as utc_start from timed
  ),

  weighted as (
      select
          *,
          epoch(utc_end) - epoch(greatest(
              coalesce(lag(utc_end) over (partition by filename, {{ keys | join(', ') }} order by utc_end), utc_start),
              utc_start)) as seconds
      from bucketed
  )
{%- endmacro %}

{% macro rtd_weighted_mean(value) -%}
  {#- The mean of `value` over the RTD intervals of a 5-minute group, weighted by their `seconds` (nyiso_rtd_weights),
      to 6 decimals: one on-grid row keeps its value exactly. -#}
  round(sum(({{ value }}) * seconds) / sum(seconds), 6)
{%- endmacro %}

{% macro nyiso_asp_rows(relation) -%}
  {#- The standard staging rows of a NYISO damasp file: the four product columns unpivoted into one row per zone,
      product and hour (hour beginning, the pass of the repeated hour from its `Time Zone`, as landing wrote it in
      Occurrence); the product is the column name without its unit, as seed as_products spells it. -#}
  with unpivoted as (
      unpivot {{ relation }}
      on "10 Min Spinning Reserve", "10 Min Non-Synchronous Reserve", "30 Min Operating Reserve",
         "NYCA Regulation Capacity"
      into name product value as_price
  )

  select
      {{ local_order_times('NYISO', nyiso_stamp('"Time Stamp"'), '"Occurrence"', 60) }},
      'NYISO' as iso,
      trim("Name") as as_region,
      product as iso_as_product,
      as_price,
      filename as source_file,
      {{ delivery_version_key('filename', 'NYISO') }} as version_key
  from unpivoted
{%- endmacro %}

{% macro nyiso_rtasp_rows(relation) -%}
  {#- The 5-minute staging rows of a NYISO rtasp day file: the five product columns unpivoted; each row closes an RTD
      interval at its `Time Stamp` (interval END; the pass of the repeated hour from its Time Zone, as landing wrote
      it in Occurrence); the RTD intervals ending in a 5-minute interval averaged, weighted by their length inside
      it, as nyiso_rtd_rows does for the LBMPs. -#}
  with unpivoted as (
      unpivot {{ relation }}
      on "10 Min Spinning Reserve", "10 Min Non-Synchronous Reserve", "30 Min Operating Reserve",
         "NYCA Regulation Capacity", "NYCA Regulation Movement"
      into name product value price
  ),

  {{ nyiso_rtd_weights('unpivoted', ['"PTID"', 'product']) }}

  select
      {{ local_order_times_from_utc('NYISO', 'utc_start', 5) }},
      'NYISO' as iso,
      trim(any_value("Name")) as as_region,
      product as iso_as_product,
      {{ rtd_weighted_mean('price') }} as as_price,
      count(*) as rtd_intervals,
      filename as source_file,
      {{ delivery_version_key('filename', 'NYISO') }} as version_key
  from weighted
  group by filename, "PTID", product, utc_start
{%- endmacro %}
