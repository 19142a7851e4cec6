{#- ERCOT time conventions (Central Prevailing Time). Each macro emits the standard time columns
    (datetime, interval_end, datetime_local, hour_ending, interval_minutes) for one convention. -#}

{% macro ercot_hour_number(hour_text) -%}
  {#- '01:00'..'24:00', '1'..'24' -> 1..24 -#}
  cast(split_part(trim(cast({{ hour_text }} as string)), ':', 1) as integer)
{%- endmacro %}

{% macro ercot_hour_ending_times(delivery_date, hour_ending, repeated_flag) -%}
  {#- DeliveryDate + HourEnding (01:00..24:00 or 1..24) + DSTFlag / Repeated Hour Flag; hourly. -#}
  {%- set local_start = "(cast(" ~ delivery_date ~ " as timestamp) + " ~ interval_of(ercot_hour_number(hour_ending) ~ " - 1", 'hour') ~ ")" -%}
  {{ standard_time_columns(local_to_utc(local_start, iso_timezone('ERCOT'), flag_is_yes(repeated_flag)),
                           local_start, ercot_hour_number(hour_ending), 60) }}
{%- endmacro %}

{% macro ercot_delivery_interval_times(delivery_date, delivery_hour, delivery_interval, repeated_flag) -%}
  {#- DeliveryDate + DeliveryHour (1..24) + DeliveryInterval (1..4) + DSTFlag; 15-minute. -#}
  {%- set local_start = "(cast(" ~ delivery_date ~ " as timestamp) + " ~ interval_of(ercot_hour_number(delivery_hour) ~ " - 1", 'hour')
        ~ " + " ~ interval_of("(cast(" ~ delivery_interval ~ " as integer) - 1) * 15", 'minute') ~ ")" -%}
  {{ standard_time_columns(local_to_utc(local_start, iso_timezone('ERCOT'), flag_is_yes(repeated_flag)),
                           local_start, ercot_hour_number(delivery_hour), 15) }}
{%- endmacro %}

{% macro ercot_sced_times(sced_timestamp, repeated_flag) -%}
  {#- SCEDTimestamp (local, off the clock) + RepeatedHourFlag, floored to the 5-minute interval. -#}
  {%- set local_start = floor_to_minutes(sced_timestamp, 5) -%}
  {{ standard_time_columns(local_to_utc(local_start, iso_timezone('ERCOT'), flag_is_yes(repeated_flag)),
                           local_start, hour_ending_of(local_start), 5) }}
{%- endmacro %}
