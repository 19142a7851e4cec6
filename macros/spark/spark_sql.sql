{#-
  Spark bodies of the dispatched SQL pieces (the DuckDB bodies are the `default__` macros beside each wrapper).
  Types: the Spark profile makes `timestamp` a wall-clock time (TIMESTAMP_NTZ, DuckDB's TIMESTAMP); instants are
  `timestamp_ltz` (DuckDB's TIMESTAMPTZ); the session time zone is UTC.
-#}

{% macro spark__local_to_utc(local_ts, tz, is_repeated) -%}
  {#- The project's one DST rule on Spark. to_utc_timestamp resolves a time of the repeated hour to its FIRST
      occurrence (daylight time); the ISO's flag moves it to the second (one hour later) when the same wall clock
      recurs an hour later. Never the engine's choice alone: the flag decides, as in default__local_to_utc. -#}
  case
    when coalesce({{ is_repeated }}, false)
     and convert_timezone('UTC', '{{ tz }}', cast(to_utc_timestamp({{ local_ts }}, '{{ tz }}') + interval '1' hour as timestamp_ntz)) = {{ local_ts }}
      then to_utc_timestamp({{ local_ts }}, '{{ tz }}') + interval '1' hour
    else to_utc_timestamp({{ local_ts }}, '{{ tz }}')
  end
{%- endmacro %}

{% macro spark__interval_of(amount, unit) -%}
  (({{ amount }}) * interval '1' {{ unit }})
{%- endmacro %}

{% macro spark__floor_to_minutes(ts, minutes) -%}
  cast(date_trunc('hour', {{ ts }}) + (floor(minute({{ ts }}) / {{ minutes }}) * {{ minutes }}) * interval '1' minute as timestamp_ntz)
{%- endmacro %}

{% macro spark__utc_digits(instant) -%}
  date_format({{ instant }}, 'yyyyMMddHHmmssSSSSSS')
{%- endmacro %}

{% macro spark__union_landed(staging_models, columns) -%}
  {#- Spark has no UNION BY NAME: each arm lists the columns by name, a column a staging model lacks as null. -#}
  {%- for model, format in staging_models %}
    {%- set have = [] -%}
    {%- if execute -%}
      {%- for c in adapter.get_columns_in_relation(model) -%}{%- do have.append(c.name | lower) -%}{%- endfor -%}
    {%- endif %}
    select {% for c in columns %}{{ c if (not execute or c | lower in have) else 'null as ' ~ c }}{{ ', ' if not loop.last }}{% endfor %}
    from landed_{{ loop.index }}{{ ' union all' if not loop.last }}
  {%- endfor %}
{%- endmacro %}

{% macro spark__loaded_file_paths(relation) -%}
  {#- Spark keeps no list of loaded files: the files of the model's rows. -#}
  {{ return("select distinct source_file from " ~ relation) }}
{%- endmacro %}

{% macro spark__record_loaded_files() -%}
  {{ return('') }}
{%- endmacro %}

{% macro spark__landed_files_variables(reset=false) -%}
  {#- Spark reads a source's landed files through its table; landed_rows' condition on the file names selects them. -#}
  {{ return('') }}
{%- endmacro %}

{% macro spark__read_batches() -%}
  {{ return('') }}
{%- endmacro %}

{% macro spark__read_batch_condition(format) -%}
  true
{%- endmacro %}

{% macro spark__unpivot_columns(relation, columns, name_column, value_column) -%}
  select * from {{ relation }}
    unpivot ({{ value_column }} for {{ name_column }} in ({{ columns | join(', ') }}))
{%- endmacro %}

{% macro spark__days_to_write_filter(column='datetime_local') -%}
  {#- Spark computes the whole model; its materialization writes the year partitions that changed (spark_write_plan). -#}
  true
{%- endmacro %}

{% macro spark__utc_to_local(instant, tz) -%}
  convert_timezone('UTC', '{{ tz }}', cast({{ instant }} as timestamp_ntz))
{%- endmacro %}

{% macro spark__seconds_between(later, earlier) -%}
  ((unix_micros(cast({{ later }} as timestamp_ltz)) - unix_micros(cast({{ earlier }} as timestamp_ltz))) / 1000000)
{%- endmacro %}

{% macro spark__series_rows(first, last, step) -%}
  explode(sequence({{ first }}, {{ last }}, {{ step }}))
{%- endmacro %}

{% macro spark__semi_join() -%}left semi join{%- endmacro %}

{% macro spark__anti_join() -%}left anti join{%- endmacro %}

{% macro spark__sql_literal(value) -%}
  {#- Spark string literals escape with a backslash (two adjacent literals `'a''b'` would be concatenated). -#}
  {{ return(spark_literal(value)) }}
{%- endmacro %}

{% macro spark__pivot_keys(relation, key_column, value_column, keys, group_by) -%}
  {#- Spark's PIVOT groups by every other column of its input: the input is exactly group_by, key and value. -#}
  select * from (
      select {% for g in group_by %}{{ 'cast(datetime_local as date) as _day' if g == '_day' else g }}, {% endfor %}{{ key_column }}, {{ value_column }}
      from {{ relation }}
      where {{ days_to_write_filter('datetime_local') }}
  )
  pivot (first({{ value_column }}) for {{ key_column }} in ({% for k in keys %}{{ sql_string(k) }} as {{ adapter.quote(k) }}{{ ', ' if not loop.last }}{% endfor %}))
  order by {{ group_by[0] }}
{%- endmacro %}

{% macro spark__seed_file_relation(seed) -%}
  {{ exceptions.raise_compiler_error("the registry seed `" ~ seed.name ~ "` is not in the Spark warehouse yet: run `dbt seed --target spark` (or `dbt build`, which builds it first)") }}
{%- endmacro %}

{% macro spark__hour_start(instant) -%}
  date_trunc('hour', {{ instant }})
{%- endmacro %}

{% macro spark__hour_containing_join(hourly, alias, instant) -%}
{#- No ASOF JOIN on Spark. `hourly` has a row per hour (a complete spine), so the latest hour starting at or before
    the instant that still contains it is the one starting at its hour: an equi-join on that hour is the same rows. -#}
left join {{ hourly }} as {{ alias }} on {{ alias }}.datetime = date_trunc('hour', {{ instant }})
{%- endmacro %}

{% macro spark__pjm_utc(col) -%}
  {#- default__pjm_utc on Spark. dbt-spark runs with ANSI mode off, where a text that does not parse is NULL, not an
      error: raise_error keeps the build failing on it, as DuckDB's strptime does. -#}
  case
    when nullif(trim({{ col }}), '') is null then null
    else coalesce(
      case
        when regexp_like(trim({{ col }}), '[AaPp][Mm]$')
          then to_utc_timestamp(to_timestamp_ntz(trim({{ col }}), 'M/d/yyyy h:mm:ss a'), 'UTC')
        when regexp_like(trim({{ col }}), '(Z|[+-]\\d\\d:?\\d\\d)$')
          then cast(trim({{ col }}) as timestamp_ltz)
        else to_utc_timestamp(cast(trim({{ col }}) as timestamp_ntz), 'UTC')
      end,
      raise_error(concat('not a Data Miner UTC time: ', {{ col }})))
  end
{%- endmacro %}

{% macro spark__minute_text(ts) -%}
  date_format({{ ts }}, 'yyyy-MM-dd HH:mm')
{%- endmacro %}

{% macro spark__fail_with(message) -%}
  raise_error({{ message }})
{%- endmacro %}

{% macro spark__landed_relation(rel) -%}
  {#- A landed-CSV source on Spark (its table: spark__prepare_run) with `filename`, the file's path as DuckDB gives
      it: Spark's is a URI, so `file:` is dropped and percent-escapes decoded (a `+` kept). -#}
  {{ return("(select *, try_url_decode(replace(regexp_replace(_metadata.file_path, '^file:(//)?', ''), '+', '%2B')) as filename from " ~ rel ~ ")") }}
{%- endmacro %}

{% macro spark__verified_rows_window(model) -%}
  {#- Spark builds keep no verification marks: the row counts compare every file. -#}
  {{ return(none) }}
{%- endmacro %}

{% macro spark__reverify_on_seed_change() -%}
  {#- Spark builds keep no verification marks: nothing to reset. -#}
  {{ return('') }}
{%- endmacro %}

{% macro spark__unverified_days_filter(model, column, utc_column=none) -%}
  {#- Spark builds keep no verification marks: every day is checked. -#}
  {{ return('true') }}
{%- endmacro %}

{% macro spark__distinct_text_list(expr) -%}
  array_join(array_sort(collect_set(cast({{ expr }} as string))), ', ')
{%- endmacro %}

{% macro spark__key_hash(columns) -%}
  xxhash64({{ columns | join(', ') }})
{%- endmacro %}

{% macro spark__count_distinct(columns) -%}
  count(distinct {{ columns | join(', ') }})
{%- endmacro %}

{% macro spark__relation_column_positions(relation) -%}
  {#- Spark has no information_schema here: the relation's columns as dbt reads them, as literal rows. -#}
  {%- set cols = adapter.get_columns_in_relation(relation) if execute else [] -%}
  {%- if cols | length == 0 -%}
select cast(null as int) as position, cast(null as string) as column_name where false
  {%- else -%}
select * from (values
  {%- for c in cols %}
  ({{ loop.index }}, {{ sql_literal(c.name) }}){{ ',' if not loop.last }}
  {%- endfor %}
) as t(position, column_name)
  {%- endif -%}
{%- endmacro %}

{% macro spark__wide_cell_sums(model, columns, scope) -%}
select
    datetime,
    size(filter(v, x -> x is not null)) as cells,
    aggregate(v, cast(0 as double), (acc, x) -> acc + coalesce(x, 0)) as total,
    aggregate(zip_with(v, array({% for c in columns %}{{ loop.index }}.0{{ ', ' if not loop.last }}{% endfor %}), (x, w) -> coalesce(x, 0) * w),
              cast(0 as double), (acc, y) -> acc + y) as weighted
from (
    select datetime, array({% for c in columns %}cast({{ adapter.quote(c) }} as double){{ ', ' if not loop.last }}{% endfor %}) as v
    from {{ model }}
    where {{ scope }}
)
{%- endmacro %}

{% macro spark__wide_cells(model, columns, scope) -%}
select * from (
    select datetime{% for c in columns %}, {{ adapter.quote(c) }}{% endfor %}
    from {{ model }} left semi join differ using (datetime)
    where {{ scope }}
)
unpivot (wide_value for key in ({% for c in columns %}{{ adapter.quote(c) }}{{ ', ' if not loop.last }}{% endfor %}))
{%- endmacro %}
