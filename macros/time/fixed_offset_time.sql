{#- The fixed-offset time convention (seed isos `time_convention` = fixed_offset). The ISO writes a wall clock at
    one UTC offset all year, never daylight time: MISO's market reports are "Eastern Standard Time (EST)", UTC-5 in
    January and in July. Its registry time zone is a fixed-offset zone (`Etc/GMT+5`, POSIX sign: UTC-5), so every
    local day has 24 hours - no hour repeated or skipped, nothing to resolve - and `datetime_local` is that wall clock
    (for MISO, EST: one hour behind New York's clock from March to November). UTC = local + the offset, the offset
    read once from the registry's zone (ICU) and checked constant. -#}

{% macro fixed_offset_seconds(iso) -%}
  {#- Seconds to add to the ISO's wall clock to get UTC (MISO: 18000); a compile error when its registry time zone
      has daylight time (its January and July offsets differ). 0 while parsing. -#}
  {%- if not execute -%}{{ return(0) }}{%- endif -%}
  {%- set tz = iso_timezone(iso) -%}
  {%- set sql -%}
    select distinct (epoch(timezone({{ sql_literal(tz) }}, w)) - epoch(w))::bigint
    from (values (timestamp '2024-01-15 12:00:00'), (timestamp '2024-07-15 12:00:00')) as t(w)
  {%- endset -%}
  {%- set shifts = run_query(sql).columns[0].values() | list -%}
  {%- if shifts | length != 1 -%}
    {{ exceptions.raise_compiler_error(iso ~ ": time_convention fixed_offset needs a time zone without daylight time, not " ~ tz) }}
  {%- endif -%}
  {{ return(shifts[0]) }}
{%- endmacro %}

{% macro fixed_offset_hour_ending_times(iso, market_day, hour_ending) -%}
  {#- The standard time columns of an hourly row written as a market day (DATE) and hour ending 1..24 on the ISO's
      fixed-offset clock: HE h covers [h-1, h) local, so UTC start = day 00:00 + (h-1) h + the offset. -#}
  {%- set local_start = "(cast(" ~ market_day ~ " as timestamp) + interval (" ~ hour_ending ~ " - 1) hour)" -%}
  {%- set utc_start = "to_timestamp(epoch(" ~ local_start ~ ") + " ~ fixed_offset_seconds(iso) ~ ")" -%}
  {{ standard_time_columns(utc_start, local_start, hour_ending, 60) }}
{%- endmacro %}

{% macro fixed_offset_interval_times(iso, local_start, interval_minutes) -%}
  {#- The standard time columns of a row stamped with its interval start (TIMESTAMP) on the ISO's fixed-offset clock
      (MISO's 5-minute `MKTHOUR_EST`): UTC start = the local start + the offset; hour ending = the local hour + 1. -#}
  {%- set utc_start = "to_timestamp(epoch(" ~ local_start ~ ") + " ~ fixed_offset_seconds(iso) ~ ")" -%}
  {{ standard_time_columns(utc_start, local_start, "hour(" ~ local_start ~ ") + 1", interval_minutes) }}
{%- endmacro %}
