{#- PJM Data Miner 2 time convention. Every feed carries `datetime_beginning_utc` next to the EPT wall clock
    (`datetime_beginning_ept`, which repeats 1:00 AM on fall-back days and skips 2:00 AM on spring-forward days):
    we key on the UTC column and derive the local columns from it with timezone(), never from the EPT text. -#}

{% macro pjm_utc(col) -%}
  {{ return(adapter.dispatch('pjm_utc')(col)) }}
{%- endmacro %}

{% macro default__pjm_utc(col) -%}
  {#- A Data Miner UTC time text as TIMESTAMPTZ. CSV exports write `11/3/2024 6:00:00 AM`; the JSON API (and CSVs
      made from it) ISO 8601 `2024-11-03T06:00:00`, sometimes with milliseconds or an explicit offset. A value in
      neither form fails the build (strptime / cast errors name it) rather than becoming NULL. -#}
  case
    when nullif(trim({{ col }}), '') is null then null
    when regexp_matches(trim({{ col }}), '[AaPp][Mm]$')
      then timezone('UTC', strptime(trim({{ col }}), '%m/%d/%Y %I:%M:%S %p'))
    when regexp_matches(trim({{ col }}), '(Z|[+-]\d\d:?\d\d)$')
      then cast(trim({{ col }}) as timestamptz)
    else timezone('UTC', cast(trim({{ col }}) as timestamp))
  end
{%- endmacro %}

{% macro pjm_utc_times(utc_col, interval_minutes) -%}
  {#- The standard time columns of one Data Miner row from its `datetime_beginning_utc`. -#}
  {%- set utc = pjm_utc(utc_col) -%}
  {%- set local = utc_to_local(utc, iso_timezone('PJM')) -%}
  {{ standard_time_columns(utc, local, hour_ending_of(local), interval_minutes) }}
{%- endmacro %}

{% macro pjm_version_key(row_is_current, version_nbr, filename_column) -%}
  {#- Orders competing rows of one interval and pnode: the current row first, then the highest version_nbr, then the
      later delivery (delivery_version_key). -#}
  (case when lower(trim(cast({{ row_is_current }} as string))) in ('true', 't', '1', 'yes') then '1' else '0' end)
    || lpad(cast(coalesce({{ version_nbr }}, 0) as string), 9, '0')
    || {{ delivery_version_key(filename_column, 'PJM') }}
{%- endmacro %}
