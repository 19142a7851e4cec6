{#-
  What a day-unit parquet model (config `changed_from` / `days_from`, see parquet_partitions.sql) writes on a run:
  its state in `main._export_state` / `main._export_days`, the check of its files against that log, and the plan of
  the local days to rewrite; plus the day filters its SQL is narrowed with.
-#}

{% macro export_state_ddl() -%}
  create table if not exists main._export_state (
    model varchar primary key, watermark timestamptz, full_export_at timestamptz, updated_at timestamptz
  );
  alter table main._export_state add column if not exists verified_at timestamptz;
  create table if not exists main._export_days (
    model varchar, day date, exported_at timestamptz
  );
  alter table main._export_days add column if not exists verified_at timestamptz
{%- endmacro %}

{% macro parquet_glob(location) -%}
  {{ return(location ~ '/**/*.parquet') }}
{%- endmacro %}

{% macro parquet_files_exist(location, partitioned) -%}
  {%- set pattern = parquet_glob(location) if partitioned else location -%}
  {%- set n = run_query("select count(*) from glob(" ~ sql_literal(pattern) ~ ")").columns[0].values()[0] -%}
  {{ return(n > 0) }}
{%- endmacro %}

{% macro files_match_log(location, unit, days) -%}
  {#- True when the parquet files under `location` are exactly the files of the logged `days`: one per day
      (year=YYYY/data_YYYYMMDD.parquet) or per month (data_YYYYMM.parquet) for `unit`. False for files of another
      layout (an older version's data_0.parquet) and for a missing or extra file (deleted or copied by hand): the
      model is then rewritten in full rather than left with a hole. -#}
  {%- set digits = 8 if unit == 'day' else 6 -%}
  {%- set found = query_list("select coalesce(nullif(regexp_extract(file, '/year=\\d{4}/data_(\\d{" ~ digits
                             ~ "})\\.parquet$', 1), ''), file) from glob(" ~ sql_literal(parquet_glob(location)) ~ ") order by 1") -%}
  {%- set expected = [] -%}
  {%- for d in days -%}
    {%- set key = d | replace('-', '') -%}
    {%- set key = key if unit == 'day' else key[:6] -%}
    {%- if key not in expected -%}{%- do expected.append(key) -%}{%- endif -%}
  {%- endfor -%}
  {{ return(found == expected | sort) }}
{%- endmacro %}

{% macro exported_days(model) -%}
  {#- The local days a day-unit model's files cover (logged by every export since its last full one). -#}
  {{ return(query_list("select distinct day::varchar from main._export_days where model = '" ~ model ~ "' order by 1")) }}
{%- endmacro %}

{% macro query_list(sql) -%}
  {#- The first column of a query's rows, as a list. -#}
  {{ return(run_query(sql).columns[0].values() | list) }}
{%- endmacro %}

{% macro sql_date_list(days) -%}
  {%- for d in days %}date '{{ d }}'{{ ', ' if not loop.last }}{% endfor -%}
{%- endmacro %}

{% macro days_condition(days, column='datetime_local') -%}
  {#- A filter on a local timestamp column selecting whole local days; the range lets DuckDB skip row groups. -#}
  {%- if days | length == 0 -%} false
  {%- else -%}
    ({{ column }} >= date '{{ days | min }}' and {{ column }} < date '{{ days | max }}' + 1
     and cast({{ column }} as date) in ({{ sql_date_list(days) }}))
  {%- endif -%}
{%- endmacro %}

{% macro fill_margin_days() -%}
  {#- How many local days around a changed day the Stage 3 fill rule can change: a run shorter than
      var('ffill_max_gap_minutes') reaches at most that far. -#}
  {{ return(((var('ffill_max_gap_minutes') | int) + 1439) // 1440) }}
{%- endmacro %}

{% macro model_state(model) -%}
  {%- set r = run_query("select watermark::varchar, full_export_at::varchar, updated_at::varchar, verified_at::varchar "
                        ~ "from main._export_state where model = '" ~ model ~ "'").rows -%}
  {{ return(none if r | length == 0 else {'watermark': r[0][0], 'full_export_at': r[0][1], 'updated_at': r[0][2], 'verified_at': r[0][3]}) }}
{%- endmacro %}

{% macro partition_plan(sql) -%}
  {#- {'full': bool, 'days': ['YYYY-MM-DD', ...], 'watermark': ts or none}: what this run of the model must write;
      `days` are the local days to (re)write (all of them on a full export). -#}
  {%- set changed_from = config.get('changed_from') -%}
  {%- set days_from = config.get('days_from') -%}
  {%- set location = config.get('location') -%}
  {%- if not execute or not (changed_from or days_from) -%}
    {{ return({'full': true, 'days': [], 'watermark': none}) }}
  {%- endif -%}
  {%- set rel = ref(changed_from or days_from) -%}
  {%- set mine = model_state(this) -%}
  {%- set have = exported_days(this) if mine is not none else [] -%}
  {%- set full = flags.FULL_REFRESH or mine is none or mine.watermark is none or have | length == 0
        or not files_match_log(location, config.get('file_unit', 'day'), have) -%}
  {%- if not full -%}
    {#- a different column list (a new point, a renamed column) must reach every day's file -#}
    {%- set existing = load_cached_relation(this) -%}
    {%- set described = query_list("select column_name from (describe " ~ sql ~ ")") -%}
    {%- set new_cols = (described | reject('in', config.get('partition_by', ['year']) + ['_day']) | list) + config.get('partition_by', ['year']) -%}
    {%- set old_cols = [] if existing is none else adapter.get_columns_in_relation(existing) | map(attribute='name') | list -%}
    {%- set full = (new_cols | list) != old_cols -%}
  {%- endif -%}

  {%- if changed_from -%}
    {%- set watermark = run_query("select max(_loaded_at)::varchar from " ~ rel).rows[0][0] -%}
    {%- set since = "true" if full else "_loaded_at > '" ~ mine.watermark ~ "'::timestamptz" -%}
    {%- set days = query_list("select distinct cast(datetime_local as date)::varchar from " ~ rel ~ " where " ~ since ~ " order by 1") -%}
    {{ return({'full': full, 'days': days | list, 'watermark': watermark}) }}
  {%- endif -%}

  {#- days_from: follow the upstream day files -#}
  {%- set up = model_state(rel) -%}
  {%- set watermark = up.updated_at if up is not none else none -%}
  {#- the complete time index covers every local day from the upstream's first to its last -#}
  {%- set all_days = query_list("select unnest(generate_series(min(datetime_local)::date, max(datetime_local)::date, interval 1 day))::date::varchar"
                                ~ " from " ~ rel ~ " having count(*) > 0 order by 1") -%}
  {%- if not full and up is not none and up.full_export_at is not none -%}
    {%- set full = run_query("select '" ~ up.full_export_at ~ "'::timestamptz > '" ~ mine.watermark ~ "'::timestamptz").rows[0][0] -%}
  {%- endif -%}
  {%- if full or all_days | length == 0 -%}
    {{ return({'full': true, 'days': all_days | list, 'watermark': watermark}) }}
  {%- endif -%}
  {%- set m = fill_margin_days() -%}
  {%- set first_day, last_day, last_had = all_days | min, all_days | max, have | max -%}
  {%- set sql_days -%}
    with wanted as (
        -- the days the upstream rewrote, with the fill rule's reach on each side
        select unnest(generate_series(day - {{ m }}, day + {{ m }}, interval 1 day))::date as day
        from (select distinct day from main._export_days where model = '{{ rel }}' and exported_at > '{{ mine.watermark }}'::timestamptz)
        union
        -- days of the range without a file yet (a longer range, a day with no data inside it)
        select d::date from unnest(generate_series(date '{{ first_day }}', date '{{ last_day }}', interval 1 day)) as t(d)
        where d::date not in ({{ sql_date_list(have) }})
        union
        -- the range grew: the previous last day's trailing gaps now lead somewhere
        select unnest(generate_series(date '{{ last_had }}' - {{ m - 1 }}, date '{{ last_had }}', interval 1 day))::date
        where date '{{ last_day }}' > date '{{ last_had }}'
    )
    select distinct day::varchar from wanted
    where day between date '{{ first_day }}' and date '{{ last_day }}'
    order by 1
  {%- endset -%}
  {%- set days = query_list(sql_days) -%}
  {{ return({'full': false, 'days': days | list, 'watermark': watermark}) }}
{%- endmacro %}

{% macro changed_partitions(column='datetime_local') -%}
  {#- The WHERE condition of a model written one day at a time (`changed_from` / `days_from`): the
      materialization replaces it with each day's range in turn (day_sql); compiled alone, it selects everything. -#}
  /*iso_days:{{ column }}*/ true /*iso_days_end*/
{%- endmacro %}

{% macro day_sql(sql, days) -%}
  {#- The model's SQL restricted to some local days: every changed_partitions() condition replaced. -#}
  {%- set marker = "/\\*iso_days:(\\w+)\\*/.*?/\\*iso_days_end\\*/" -%}
  {%- if days | length == 1 -%}
    {{ return(modules.re.sub(marker, "(\\1 >= date '" ~ days[0] ~ "' and \\1 < date '" ~ days[0] ~ "' + 1)", sql, flags=modules.re.S)) }}
  {%- endif -%}
  {{ return(modules.re.sub(marker, days_condition(days, '\\1') | replace('\n', ' '), sql, flags=modules.re.S)) }}
{%- endmacro %}
