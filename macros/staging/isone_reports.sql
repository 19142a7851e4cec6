{#- ISO-NE LMP reports (FORMATS_MORE.md, ISO-NE) after landing stripped their record-type cells (ingest/record_lines.py):
    the hourly reports (day-ahead, real-time final) and the 5-minute one share the price columns; the sign is PJM's,
    LMP = energy + congestion + loss. -#}

{% macro isone_lmp_rows(relation, prefix, interval_minutes, local_start) -%}
  {#- The standard staging rows of one ISO-NE LMP report, given the SQL of each row's local interval start. Location
      names are fixed-width station codes: kept verbatim (trailing spaces included), as ISO-NE keys them with the ID. -#}
  select
      {{ local_order_times('ISONE', local_start, '"Occurrence"', interval_minutes) }},
      'ISONE' as iso,
      rtrim("Location Name") as settlement_point,
      trim("Location Type") as iso_point_type,
      "Location ID" as location_id,
      "Locational Marginal Price" as {{ prefix }}_lmp,
      "Energy Component" as {{ prefix }}_energy,
      "Congestion Component" as {{ prefix }}_congestion,
      "Marginal Loss Component" as {{ prefix }}_loss,
      filename as source_file,
      {{ delivery_version_key('filename', 'ISONE') }} as version_key
  from {{ relation }}
{%- endmacro %}

{% macro isone_five_minute_start() -%}
  {#- The local interval start of a 5-minute report row: the day in the landed file's name
      (`lmp_5min_YYYYMMDD_HH-HH.csv`) + `Local Time` HH:MM (layout inferred; landing checked both). -#}
  (cast(strptime(regexp_extract(filename, 'lmp_5min_(\d{8})_', 1), '%Y%m%d') as date)
    + cast(trim("Local Time") || ':00' as time))
{%- endmacro %}

{% macro isone_reserve_rows(relation) -%}
  {#- The hourly staging rows of ISO-NE's five-minute reserve zone prices: the three clearing prices unpivoted, each
      5-minute interval placed in time (`Local Time` + Occurrence, the interval start), then averaged per zone,
      product and hour (ISO-NE publishes no hourly reserve price file without an account; the mean of an hour's
      5-minute prices is what this dataset is, named so in the docs). `five_minute_intervals` says how many were
      averaged (12 when the hour is complete). -#}
  with unpivoted as (
      unpivot {{ relation }}
      on "Ten-Minute Spinning Reserve Clearing Price", "Ten-Minute Reserve Clearing Price",
         "Total Reserve Clearing Price"
      into name product value price
  ),

  hourly as (
      select
          filename,
          trim("Reserve Zone Name") as as_region,
          product,
          time_bucket(interval 1 hour,
                      {{ local_order_utc('ISONE', "strptime(trim(\"Local Time\"), '%m/%d/%Y %H:%M')", '"Occurrence"') }})
              as utc_start,
          round(avg(price), 6) as as_price,
          count(*) as five_minute_intervals
      from unpivoted
      group by all
  )

  select
      {{ local_order_times_from_utc('ISONE', 'utc_start', 60) }},
      'ISONE' as iso,
      as_region,
      product as iso_as_product,
      as_price,
      five_minute_intervals,
      filename as source_file,
      {{ delivery_version_key('filename', 'ISONE') }} as version_key
  from hourly
{%- endmacro %}

{% macro isone_api_reserve_rows(relation) -%}
  {#- The hourly staging rows of ISO-NE's own final hourly reserve zone prices from its web services
      (hourlyfinalreserveprice, as the downloader writes them): the three clearing prices unpivoted; BeginDate carries
      the Eastern offset in force, so the hour is placed in time without Occurrence or a guess. -#}
  with unpivoted as (
      unpivot {{ relation }}
      on "TmsrClearingPrice", "TmnsrClearingPrice", "TmorClearingPrice"
      into name product value as_price
  ),

  placed as (
      select *, cast("BeginDate" as timestamptz) as utc_start
      from unpivoted
  )

  select
      {{ local_order_times_from_utc('ISONE', 'utc_start', 60) }},
      'ISONE' as iso,
      trim("ReserveZoneName") as as_region,
      product as iso_as_product,
      as_price,
      cast(null as bigint) as five_minute_intervals,
      filename as source_file,
      {{ delivery_version_key('filename', 'ISONE') }} as version_key
  from placed
{%- endmacro %}
