{#-
  SQL that DuckDB and Spark spell differently, one macro each: the wrapper dispatches (adapter.dispatch) to the
  DuckDB body here (`default__`) or the Spark body in macros/spark/spark_sql.sql (`spark__`). Models and macros
  call the wrapper; a new engine adds its bodies beside Spark's (docs/running_on_a_cluster.md).
-#}

{% macro interval_of(amount, unit) -%}
  {#- An interval of `amount` (an SQL expression) `unit`s (hour, minute, day): DuckDB's `interval (n) unit`. -#}
  {{ return(adapter.dispatch('interval_of')(amount, unit)) }}
{%- endmacro %}

{% macro default__interval_of(amount, unit) -%}
  interval ({{ amount }}) {{ unit }}
{%- endmacro %}

{% macro floor_to_minutes(ts, minutes) -%}
  {#- A wall-clock time floored to its `minutes`-minute interval (5: 10:07:42 -> 10:05:00). -#}
  {{ return(adapter.dispatch('floor_to_minutes')(ts, minutes)) }}
{%- endmacro %}

{% macro default__floor_to_minutes(ts, minutes) -%}
  time_bucket(interval {{ minutes }} minute, {{ ts }})
{%- endmacro %}

{% macro utc_digits(instant) -%}
  {#- An instant as the digits of its UTC time, to the microsecond (`20241103063000000000`): sorts as time does. -#}
  {{ return(adapter.dispatch('utc_digits')(instant)) }}
{%- endmacro %}

{% macro default__utc_digits(instant) -%}
  strftime(timezone('UTC', {{ instant }}), '%Y%m%d%H%M%S%f')
{%- endmacro %}

{% macro utc_to_local(instant, tz) -%}
  {#- An instant as the wall-clock time (without zone) of `tz`. -#}
  {{ return(adapter.dispatch('utc_to_local')(instant, tz)) }}
{%- endmacro %}

{% macro default__utc_to_local(instant, tz) -%}
  timezone('{{ tz }}', {{ instant }})
{%- endmacro %}

{% macro seconds_between(later, earlier) -%}
  {#- Seconds from one instant to another (a number). -#}
  {{ return(adapter.dispatch('seconds_between')(later, earlier)) }}
{%- endmacro %}

{% macro default__seconds_between(later, earlier) -%}
  epoch({{ later }} - {{ earlier }})
{%- endmacro %}

{% macro series_rows(first, last, step) -%}
  {#- One row per value from `first` to `last` (both included) by `step`: a set-returning select item. -#}
  {{ return(adapter.dispatch('series_rows')(first, last, step)) }}
{%- endmacro %}

{% macro default__series_rows(first, last, step) -%}
  unnest(generate_series({{ first }}, {{ last }}, {{ step }}))
{%- endmacro %}

{% macro semi_join() -%}
  {#- The join keyword keeping the left rows that have a match (no columns of the right). -#}
  {{ return(adapter.dispatch('semi_join')()) }}
{%- endmacro %}

{% macro default__semi_join() -%}semi join{%- endmacro %}

{% macro anti_join() -%}
  {#- The join keyword keeping the left rows that have no match. -#}
  {{ return(adapter.dispatch('anti_join')()) }}
{%- endmacro %}

{% macro default__anti_join() -%}anti join{%- endmacro %}

{% macro hour_start(instant) -%}
  {#- The start of the UTC hour holding an instant. -#}
  {{ return(adapter.dispatch('hour_start')(instant)) }}
{%- endmacro %}

{% macro default__hour_start(instant) -%}
  time_bucket(interval 1 hour, {{ instant }})
{%- endmacro %}

{% macro minute_text(ts) -%}
  {#- A time as text to the minute, `2024-11-03 01:00` (for messages). -#}
  {{ return(adapter.dispatch('minute_text')(ts)) }}
{%- endmacro %}

{% macro default__minute_text(ts) -%}
  strftime({{ ts }}, '%Y-%m-%d %H:%M')
{%- endmacro %}

{% macro fail_with(message) -%}
  {#- An SQL expression that fails the statement with `message` (an SQL text expression) when evaluated. -#}
  {{ return(adapter.dispatch('fail_with')(message)) }}
{%- endmacro %}

{% macro default__fail_with(message) -%}
  error({{ message }})
{%- endmacro %}

{% macro distinct_text_list(expr) -%}
  {#- The distinct values of an expression in a group as one text, comma-separated (failing rows' context). -#}
  {{ return(adapter.dispatch('distinct_text_list')(expr)) }}
{%- endmacro %}

{% macro default__distinct_text_list(expr) -%}
  string_agg(distinct cast({{ expr }} as varchar), ', ')
{%- endmacro %}

{% macro key_hash(columns) -%}
  {#- A 64-bit hash of `columns` together: equal keys hash equal (NULLs too), different keys almost never do. -#}
  {{ return(adapter.dispatch('key_hash')(columns)) }}
{%- endmacro %}

{% macro default__key_hash(columns) -%}
  hash({{ columns | join(', ') }})
{%- endmacro %}

{% macro count_distinct(columns) -%}
  {#- The number of distinct combinations of `columns` in a group. -#}
  {{ return(adapter.dispatch('count_distinct')(columns)) }}
{%- endmacro %}

{% macro default__count_distinct(columns) -%}
  count(distinct ({{ columns | join(', ') }}))
{%- endmacro %}

{% macro relation_column_positions(relation) -%}
  {#- A SELECT of (position, column_name): the relation's columns in order, 1-based. -#}
  {{ return(adapter.dispatch('relation_column_positions')(relation)) }}
{%- endmacro %}

{% macro default__relation_column_positions(relation) -%}
select ordinal_position as position, column_name
from information_schema.columns
where table_schema = '{{ relation.schema }}' and table_name = '{{ relation.identifier }}'
{%- endmacro %}
