{% macro local_to_utc(local_ts, tz, is_repeated) -%}
  {#-
    The one DST rule of the project: local wall-clock time + the ISO's repeated-hour flag -> TIMESTAMPTZ (UTC).
    DuckDB resolves an ambiguous local time (the repeated hour of a fall-back day) to its *second* occurrence
    (standard time). So: when the time is ambiguous - the same wall clock also occurred one hour earlier -
    and the ISO says it is NOT the repeated hour, take the first occurrence (one hour earlier in UTC).
    Never guesses: outside the repeated hour the flag is irrelevant.
  -#}
  case
    when not coalesce({{ is_repeated }}, false)
     and timezone('{{ tz }}', timezone('{{ tz }}', {{ local_ts }}) - interval 1 hour) = {{ local_ts }}
      then timezone('{{ tz }}', {{ local_ts }}) - interval 1 hour
    else timezone('{{ tz }}', {{ local_ts }})
  end
{%- endmacro %}

{% macro flag_is_yes(col) -%}
  (upper(trim({{ col }})) in ('Y', 'YES', 'TRUE', '1'))
{%- endmacro %}

{% macro standard_time_columns(utc_start, local_start, hour_ending, interval_minutes) -%}
  {#- The standard time columns of every Stage 2 row, from an interval start in UTC and in local time. -#}
  {{ utc_start }} as datetime,
  datetime + interval ({{ interval_minutes }}) minute as interval_end,
  {{ local_start }} as datetime_local,
  {{ hour_ending }} as hour_ending,
  {{ interval_minutes }} as interval_minutes
{%- endmacro %}
