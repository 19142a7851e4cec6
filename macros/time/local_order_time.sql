{#- The local-order time convention (seed isos `time_convention` = local_order: NYISO, ISO-NE). The files write the
    ISO's prevailing wall clock (America/New_York) with no time-zone column and no flag. Landing has already told the
    two passes of the repeated fall-back hour apart - by row order within each location, or by ISO-NE's `02X` label -
    and written the answer as the column `Occurrence` (1 or 2; ingest/repeated_hour.py, which also refuses skipped
    spring-forward times, a repeated time outside the fall-back hour and rows out of order). Here that column goes
    to the project's one DST rule, local_to_utc: occurrence 2 is the repeated (standard-time) pass. -#}

{% macro local_order_utc(iso, local_stamp, occurrence) -%}
  {#- A local stamp (TIMESTAMP, the wall clock as written) and its Occurrence as TIMESTAMPTZ: occurrence 2 is the
      repeated (standard-time) pass of the fall-back hour. -#}
  {{ local_to_utc(local_stamp, iso_timezone(iso), "(" ~ occurrence ~ " = 2)") }}
{%- endmacro %}

{% macro local_order_times(iso, local_start, occurrence, interval_minutes) -%}
  {#- The standard time columns of one row from its local interval start and its Occurrence. (NYISO's real-time
      stamps are interval ends: nyiso_rtd_rows takes local_order_utc of the end.) -#}
  {{ standard_time_columns(local_order_utc(iso, local_start, occurrence), local_start, hour_ending_of(local_start),
                           interval_minutes) }}
{%- endmacro %}

{% macro local_order_times_from_utc(iso, utc_start, interval_minutes) -%}
  {#- The standard time columns of a row already placed in UTC (`utc_start`, e.g. a bucket of interval ends): the
      local start is the ISO's wall clock at that instant. -#}
  {%- set local_start = "timezone('" ~ iso_timezone(iso) ~ "', " ~ utc_start ~ ")" -%}
  {{ standard_time_columns(utc_start, local_start, hour_ending_of(local_start), interval_minutes) }}
{%- endmacro %}

{% macro hour_ending_start(day_text, hour_ending_text) -%}
  {#- ISO-NE's `Date` (MM/DD/YYYY) and `Hour Ending` (`01`..`24`, the repeated hour `02X`) as the hour's local start:
      day + (HE - 1) h; `02X` starts at 01:00 like `02` (its Occurrence says which 01:00). -#}
  (cast(strptime(trim({{ day_text }}), '%m/%d/%Y') as timestamp)
    + interval (cast(rtrim(trim(cast({{ hour_ending_text }} as varchar)), 'X') as integer) - 1) hour)
{%- endmacro %}
