{#- SPP Marketplace time convention. Every row carries its interval END twice: `GMTIntervalEnd` (daily roll-ups:
    `GMT Interval`) in UTC and `Interval` on the Central prevailing wall clock, which repeats on the fall-back day and
    writes hour ending 24 as the next day's 00:00:00. At the instant the clock changes SPP writes the daylight-time
    name: real DA-MCP files label the hour ending 2025-11-02 07:00 GMT `02:00:00` (not 01:00 CST, so `02:00:00` comes
    twice that day) and the one ending 2025-03-09 08:00 GMT `03:00:00`. We key on the GMT end (UTC start = GMT end -
    the interval length), derive the local columns from it with timezone(), and re-read `Interval` only to check it:
    a row whose local stamp is neither its GMT stamp on America/Chicago's clock nor, at a clock change, the clock's
    reading as the interval runs up to it gets spp_local_matches_gmt = false, and the staging test on that column
    fails the build (never a silent choice of one of the two). -#}

{% macro spp_timestamp(col) -%}
  {#- An SPP time text as TIMESTAMP (no zone). SPP publishes `MM/DD/YYYY HH:MM:SS` (`10/04/2026 01:00:00`). Also
      accepted, deliberately: `M/D/YYYY HH:MM` (`6/1/2026 01:00`), the form of the one real 2026 DA file found, most
      likely re-saved through a spreadsheet; it is unambiguous (month first as SPP writes it, the seconds are always
      :00 in an hourly or 5-minute file) and every row is checked twice (GMT against local), so a misread date cannot
      pass. Anything else (ISO 8601, day first with a day above 12, AM/PM) fails the build: strptime names the value. -#}
  strptime(trim({{ col }}), ['%m/%d/%Y %H:%M:%S', '%m/%d/%Y %H:%M'])
{%- endmacro %}

{% macro spp_gmt_end_times(gmt_end_col, local_end_col, interval_minutes) -%}
  {#- The standard time columns of one SPP row from its GMT interval end, plus spp_local_matches_gmt. -#}
  {%- set utc_end = "timezone('UTC', " ~ spp_timestamp(gmt_end_col) ~ ")" -%}
  {%- set utc = "(" ~ utc_end ~ " - interval (" ~ interval_minutes ~ ") minute)" -%}
  {%- set local = "timezone('" ~ iso_timezone('SPP') ~ "', " ~ utc ~ ")" -%}
  {{ standard_time_columns(utc, local, hour_ending_of(local), interval_minutes) }},
  coalesce({{ spp_timestamp(local_end_col) }} in (timezone('{{ iso_timezone('SPP') }}', {{ utc_end }}),
            timezone('{{ iso_timezone('SPP') }}', {{ utc_end }} - interval 1 second) + interval 1 second),
           false) as spp_local_matches_gmt
{%- endmacro %}
