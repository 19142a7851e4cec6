{#- CAISO OASIS time convention. OASIS stamps every interval in GMT (`INTERVALSTARTTIME_GMT`,
    '2024-11-03T08:00:00-00:00'), so there is no DST flag to resolve: we key on the GMT start and derive the local
    columns from it with timezone(). OPR_DT / OPR_HR (Pacific operating day and hour) are not re-parsed. -#}

{% macro caiso_gmt_times(start_gmt, interval_minutes) -%}
  {#- The standard time columns of one OASIS row from its GMT interval start (VARCHAR with an offset). -#}
  {%- set utc = "cast(" ~ start_gmt ~ " as " ~ declared_type('timestamptz') ~ ")" -%}
  {%- set local = utc_to_local(utc, iso_timezone('CAISO')) -%}
  {{ standard_time_columns(utc, local, hour_ending_of(local), interval_minutes) }}
{%- endmacro %}
