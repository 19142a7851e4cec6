{#- MISO market reports (FORMATS_MORE.md, MISO): wide, one column per hour ending (`HE 1`..`HE 24`), the market day in
    the landed file's name (landing checked it against the preamble, ingest/preambles.py). Shared by the staging
    models of the LMP reports (da_expost_lmp, rt_lmp_final) and the AS report (asm_expost_damcp). -#}

{% macro miso_market_day(filename_column) -%}
  {#- The market day of a landed MISO report from its file name, `.../20260714_da_expost_lmp.csv` -> 2026-07-14. -#}
  strptime(regexp_extract({{ filename_column }}, '([0-9]{8})_[^/\\]*$', 1), '%Y%m%d')::date
{%- endmacro %}

{% macro miso_hours_unpivoted(relation) -%}
  {#- One row per input row and hour ending: the 24 `HE h` columns unpivoted into `hour_ending` (1..24) and `price`,
      with the row's `market_day`; every other column kept. -#}
  select
      * exclude (he_column),
      {{ miso_market_day('filename') }} as market_day,
      cast(split_part(he_column, ' ', 2) as integer) as hour_ending
  from (
      unpivot {{ relation }}
      on {% for h in range(1, 25) %}"HE {{ h }}"{{ ', ' if not loop.last }}{% endfor %}
      into name he_column value price
  )
{%- endmacro %}

{% macro miso_lmp_rows(relation, prefix) -%}
  {#- The standard staging rows of a MISO LMP report (da_expost_lmp, rt_lmp_final): one row per node and hour, the
      three `Value` rows of a node (LMP, MCC, MLC) side by side as <prefix>_lmp, _congestion and _loss, and
      <prefix>_energy = LMP - MCC - MLC (MISO publishes no energy row); times on MISO's fixed EST clock. -#}
  with hourly as (
      {{ miso_hours_unpivoted(relation) | indent(6) }}
  ),

  components as (
      select
          filename,
          market_day,
          hour_ending,
          "Node" as node,
          "Type" as node_type,
          max(price) filter (where upper(trim("Value")) = 'LMP') as lmp,
          max(price) filter (where upper(trim("Value")) = 'MCC') as congestion,
          max(price) filter (where upper(trim("Value")) = 'MLC') as loss
      from hourly
      group by all
  )

  -- market times are Eastern Standard Time all year (fixed UTC-5): HE h of day d starts at d + (h-1) h + 5 h UTC
  select
      {{ fixed_offset_hour_ending_times('MISO', 'market_day', 'hour_ending') }},
      'MISO' as iso,
      trim(node) as settlement_point,
      upper(trim(node_type)) as iso_point_type,
      lmp as {{ prefix }}_lmp,
      round(lmp - congestion - loss, 6) as {{ prefix }}_energy,
      congestion as {{ prefix }}_congestion,
      loss as {{ prefix }}_loss,
      filename as source_file,
      {{ delivery_version_key('filename', 'MISO') }} as version_key
  from components
{%- endmacro %}

{% macro miso_five_minute_rows(relation, prefix) -%}
  {#- The standard staging rows of MISO's weekly 5-minute archive (rt_5min_lmp, long: one row per node and interval,
      landed with its columns in the registered order): the interval start `MKTHOUR_EST` on MISO's fixed EST clock
      (`M/D/YYYY H:MM`, seconds optional: a stamp of any other form fails the build), <prefix>_lmp, _congestion
      (CON_LMP), _loss (LOSS_LMP) and <prefix>_energy = LMP - congestion - loss. The file names no node type. -#}
  with stamped as (
      select *, strptime(trim("MKTHOUR_EST"), ['%m/%d/%Y %H:%M', '%m/%d/%Y %H:%M:%S']) as local_start
      from {{ relation }}
  )

  select
      {{ fixed_offset_interval_times('MISO', 'local_start', 5) }},
      'MISO' as iso,
      trim("PNODENAME") as settlement_point,
      cast(null as varchar) as iso_point_type,
      "LMP" as {{ prefix }}_lmp,
      round("LMP" - "CON_LMP" - "LOSS_LMP", 6) as {{ prefix }}_energy,
      "CON_LMP" as {{ prefix }}_congestion,
      "LOSS_LMP" as {{ prefix }}_loss,
      filename as source_file,
      {{ delivery_version_key('filename', 'MISO') }} as version_key
  from stamped
{%- endmacro %}

{% macro miso_pricing_api_rows(relation, prefix) -%}
  {#- The standard staging rows of the Pricing API's real-time ex-post 5-minute LMPs (pricing_rt_lmp_expost, as the
      downloader writes them): the interval start on MISO's fixed EST clock (fixed_offset_interval_times),
      <prefix>_lmp, _energy (mec, as published), _congestion (mcc), _loss (mlc). -#}
  select
      {{ fixed_offset_interval_times('MISO', 'interval_start_est', 5) }},
      'MISO' as iso,
      trim(node) as settlement_point,
      cast(null as varchar) as iso_point_type,
      lmp as {{ prefix }}_lmp,
      mec as {{ prefix }}_energy,
      mcc as {{ prefix }}_congestion,
      mlc as {{ prefix }}_loss,
      filename as source_file,
      {{ delivery_version_key('filename', 'MISO') }} as version_key
  from {{ relation }}
{%- endmacro %}
