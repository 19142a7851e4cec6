{#- CAISO OASIS time convention. OASIS stamps every interval in GMT (`INTERVALSTARTTIME_GMT`,
    '2024-11-03T08:00:00-00:00'), so there is no DST flag to resolve: we key on the GMT start and derive the local
    columns from it with timezone(). OPR_DT / OPR_HR (Pacific operating day and hour) are not re-parsed. -#}

{% macro caiso_gmt_times(start_gmt, interval_minutes) -%}
  {#- The standard time columns of one OASIS row from its GMT interval start (VARCHAR with an offset). -#}
  {%- set utc = "cast(" ~ start_gmt ~ " as timestamptz)" -%}
  {%- set local = "timezone('" ~ iso_timezone('CAISO') ~ "', " ~ utc ~ ")" -%}
  {{ standard_time_columns(utc, local, hour_ending_of(local), interval_minutes) }}
{%- endmacro %}

{% macro delivery_version_key(filename_column, iso) -%}
  {#- Orders two deliveries of the same interval (the later one wins in Stage 2) when the rows carry no version:
      OASIS names each download zip after its request time (`<start>_<end>_<QUERY>_<MARKET>_<YYYYMMDD_HH_MM_SS>_v<N>.zip`)
      while the CSVs inside keep the same names, so the request time comes from the landing registry's archive
      chain; else (a plain CSV, any other ISO) the landing time; then the file name. A scalar subquery on the landing
      registry (a dbt source), for staging models only. Used by CAISO and PJM. -#}
  coalesce((
    select strftime(coalesce(
               try_strptime(regexp_extract(r.archive_chain[1], '_(\d{8}_\d{2}_\d{2}_\d{2})_v\d+\.zip$', 1), '%Y%m%d_%H_%M_%S'),
               r.landed_at::timestamp), '%Y%m%d%H%M%S')
    from {{ source('landing', 'landed_files') }} as r
    where r.iso = '{{ iso }}' and '{{ iso_root(iso) }}/' || r.path = {{ filename_column }}
  ), '') || {{ filename_column }}
{%- endmacro %}
