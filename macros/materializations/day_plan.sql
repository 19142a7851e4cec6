{#-
  What a day-unit parquet model (config `changed_from` / `days_from`, see parquet_partitions.sql) writes on a run:
  its state in `main._export_state` / `main._export_days` (docs block `export_state_tables`), the check of its files
  against that log, the plan of the local days to rewrite and why (export_plan: used by the materialization and by
  `dbt run-operation plan_next_build`), and the day filter its SQL reads the plan's days through
  (days_to_write_filter).
-#}

{% macro export_state_ddl() -%}
  create table if not exists main._export_state (
    model varchar primary key, watermark timestamptz, full_export_at timestamptz, updated_at timestamptz
  );
  alter table main._export_state add column if not exists verified_at timestamptz;
  create table if not exists main._export_days (
    model varchar, day date, exported_at timestamptz
  );
  alter table main._export_days add column if not exists verified_at timestamptz;
  create table if not exists main._verified_rows (
    model varchar primary key, loaded_through timestamptz, landing_seq_through bigint, verified_at timestamptz
  );
  create table if not exists main._loaded_files (model varchar, path varchar, primary key (model, path));
  alter table main._export_state add column if not exists summarized_at timestamptz;
  create table if not exists main._day_keys (
    model varchar, day date, key varchar, row_count bigint, value_count bigint,
    first_row timestamptz, last_row timestamptz, first_value timestamptz, last_value timestamptz,
    key_type varchar, value_sum double
  );
  {#- a summary kept before key_type / value_sum existed is made again by the model's next export
      (day_keys_statements: not summarized_relation) -#}
  update main._export_state set summarized_at = null
  where summarized_at is not null and not exists (
    select 1 from duckdb_columns() where database_name = current_database() and schema_name = 'main'
      and table_name = '_day_keys' and column_name = 'value_sum');
  alter table main._day_keys add column if not exists key_type varchar;
  alter table main._day_keys add column if not exists value_sum double;
  alter table main._export_state add column if not exists summary_key varchar;
  alter table main._export_state add column if not exists summary_value varchar;
  {{ inputs_seen_ddl() }}
{%- endmacro %}

{% macro state_table_exists(name) -%}
  {#- Whether the warehouse has state table main.<name> yet: a command without the on-run-start hook (`dbt compile`,
      `dbt docs generate`) on a warehouse an earlier version built has not created it. -#}
  {{ return(run_query("select count(*) from duckdb_tables() where database_name = current_database() and schema_name = 'main' and table_name = "
                      ~ sql_literal(name)).columns[0].values()[0] > 0) }}
{%- endmacro %}

{% macro parquet_glob(location) -%}
  {{ return(location ~ '/**/*.parquet') }}
{%- endmacro %}

{% macro parquet_files_exist(location, partitioned) -%}
  {%- set pattern = parquet_glob(location) if partitioned else location -%}
  {%- set n = run_query("select count(*) from glob(" ~ sql_literal(pattern) ~ ")").columns[0].values()[0] -%}
  {{ return(n > 0) }}
{%- endmacro %}

{% macro day_file_names(unit, days) -%}
  {#- The files of `days` below a day-unit model's folder, sorted: `year=YYYY/data_YYYYMMDD.parquet` (unit day) or
      one `year=YYYY/data_YYYYMM.parquet` per month touched (unit month). -#}
  {%- set names = [] -%}
  {%- for d in days -%}
    {%- set key = d | replace('-', '') -%}
    {%- set name = 'year=' ~ d[:4] ~ '/data_' ~ (key if unit == 'day' else key[:6]) ~ '.parquet' -%}
    {%- if name not in names -%}{%- do names.append(name) -%}{%- endif -%}
  {%- endfor -%}
  {{ return(names | sort) }}
{%- endmacro %}

{% macro files_not_in_log(location, unit, days) -%}
  {#- How the parquet files under `location` differ from the files of the logged `days` (day_file_names): a list
      like ['missing year=2024/data_20241221.parquet', 'unexpected year=2024/data_0.parquet'], empty when they
      match. A file of another layout (an older version's data_0.parquet) or a missing or extra file (deleted or
      copied by hand) makes the next run a full export rather than leave a hole. -#}
  {%- set found = query_list("select substr(file, " ~ (location | length + 2) ~ ") from glob("
                             ~ sql_literal(parquet_glob(location)) ~ ") order by 1") -%}
  {%- set expected = day_file_names(unit, days) -%}
  {%- set differences = [] -%}
  {%- for f in expected if f not in found -%}{%- do differences.append('missing ' ~ f) -%}{%- endfor -%}
  {%- for f in found if f not in expected -%}{%- do differences.append('unexpected ' ~ f) -%}{%- endfor -%}
  {{ return(differences) }}
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

{% macro days_to_write_filter(column='datetime_local') -%}
  {{ return(adapter.dispatch('days_to_write_filter')(column)) }}
{%- endmacro %}

{% macro default__days_to_write_filter(column='datetime_local') -%}
  {#- The WHERE condition of a model written one day at a time (`changed_from` / `days_from`): the local days in the
      DuckDB variable `iso_days_to_write` (a DATE[]), which the materialization sets before each COPY (one day, or
      the changed days of one month); unset - dbt show, the compiled SQL run by hand - every day. The compiled SQL
      is what runs. DuckDB binds getvariable() as a constant, so the filter reaches the scan exactly as literal
      dates would: a range on `column` that skips row groups and parquet files (one day: the range alone; several:
      the range and the list). -#}
  {%- set days = "cast(getvariable('iso_days_to_write') as date[])" -%}
  (
      -- the local days being written: set variable iso_days_to_write = [date '...', ...] (unset: every day)
      getvariable('iso_days_to_write') is null
      or (
          {{ column }} >= list_min({{ days }})
          and {{ column }} < list_max({{ days }}) + 1
          and (len({{ days }}) = 1 or list_contains({{ days }}, cast({{ column }} as date)))
      )
  )
{%- endmacro %}

{% macro set_days_to_write(days) -%}
  {#- The statement that points days_to_write_filter at `days` (none: reset, every day again). -#}
  {%- if days is none -%}reset variable iso_days_to_write
  {%- else -%}set variable iso_days_to_write = [{{ sql_date_list(days) }}]::date[]
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

{% macro column_changes(sql, existing, partition_by) -%}
  {#- How the model's columns (a `describe` of its SQL) differ from the existing relation's, as text ('' when the
      same): a new settlement point is a new column of every day's file. -#}
  {%- if existing is none -%}{{ return('no relation in the warehouse to compare with') }}{%- endif -%}
  {%- set described = query_list("select column_name from (describe " ~ sql ~ ")") -%}
  {%- set new_cols = (described | reject('in', partition_by + ['_day']) | list) + partition_by -%}
  {%- set old_cols = adapter.get_columns_in_relation(existing) | map(attribute='name') | list -%}
  {%- if new_cols == old_cols -%}{{ return('') }}{%- endif -%}
  {%- set added = new_cols | reject('in', old_cols) | list -%}
  {%- set gone = old_cols | reject('in', new_cols) | list -%}
  {%- set parts = [] -%}
  {%- if added -%}{%- do parts.append('new ' ~ (added[:5] | join(', ')) ~ (' and ' ~ (added | length - 5) ~ ' more' if added | length > 5 else '')) -%}{%- endif -%}
  {%- if gone -%}{%- do parts.append('gone ' ~ (gone[:5] | join(', ')) ~ (' and ' ~ (gone | length - 5) ~ ' more' if gone | length > 5 else '')) -%}{%- endif -%}
  {{ return(parts | join('; ') if parts else 'same columns in another order') }}
{%- endmacro %}

{% macro export_plan(model, model_config, sql, existing, full_refresh, upcoming=none) -%}
  {#-
    What the next export of a parquet_partitions model writes, and why:
      {'unit': 'day' | 'month' | none, 'full': bool, 'days': ['YYYY-MM-DD', ...], 'watermark': ts or none,
       'why': [sentences]}
    `days` are the local days to (re)write (all of them on a full export); `unit` none: not a day-unit model
    (written whole on every build). The one copy of the rule: the materialization calls it for the run it does;
    `dbt run-operation plan_next_build` for the build to come, passing `upcoming` - what that build does upstream
    before this model runs: {'landed_days': [...]} (changed_from: the days of the landed files the intermediate model
    has not appended yet) or {'upstream_plan': plan} (days_from: the upstream model's plan).
  -#}
  {%- set changed_from = model_config.get('changed_from') -%}
  {%- set days_from = model_config.get('days_from') -%}
  {%- if not execute or not (changed_from or days_from) -%}
    {{ return({'unit': none, 'full': true, 'days': [], 'watermark': none,
               'why': ['not a day-unit model (no changed_from / days_from): written whole, by a build whose inputs or files differ from its last one (unless_inputs_changed)']}) }}
  {%- endif -%}
  {%- set unit = model_config.get('file_unit', 'day') -%}
  {%- set partition_by = model_config.get('partition_by', ['year']) -%}
  {%- set upcoming = upcoming or {} -%}
  {%- set rel = ref(changed_from or days_from) -%}
  {%- set mine = model_state(model) -%}
  {%- set have = exported_days(model) if mine is not none else [] -%}
  {%- set why = [] -%}
  {#- the last export found no rows (a dataset not landed yet): no day logged, no file; it stays so, with no full
      export (which would make every model and report downstream new), until rows come or files appear -#}
  {%- set was_empty = mine is not none and mine.full_export_at is not none and have | length == 0 -%}
  {%- if full_refresh -%}
    {%- do why.append('--full-refresh') -%}
  {%- elif was_empty -%}
    {%- set stray = files_not_in_log(model_config.get('location'), unit, []) -%}
    {%- if stray -%}
      {%- do why.append('files the export log (main._export_days) does not list: ' ~ (stray[:5] | join(', '))) -%}
    {%- endif -%}
  {%- elif mine is none or mine.watermark is none or have | length == 0 -%}
    {%- do why.append('first export (no export of this model logged in main._export_state / main._export_days)') -%}
  {%- else -%}
    {%- set stray = files_not_in_log(model_config.get('location'), unit, have) -%}
    {%- if stray -%}
      {%- do why.append('the files differ from the export log (main._export_days): ' ~ (stray[:5] | join(', '))
                        ~ (' and ' ~ (stray | length - 5) ~ ' more' if stray | length > 5 else '')) -%}
    {%- else -%}
      {#- a different column list (a new point, a renamed column) must reach every day's file -#}
      {%- set changed = column_changes(sql, existing, partition_by) -%}
      {%- if changed -%}{%- do why.append('the column list changed (' ~ changed ~ ')') -%}{%- endif -%}
    {%- endif -%}
  {%- endif -%}
  {%- set full = why | length > 0 -%}

  {%- if changed_from -%}
    {%- set watermark = run_query("select max(_loaded_at)::varchar from " ~ rel).rows[0][0] -%}
    {%- if was_empty and not full and (watermark is not none or upcoming.get('landed_days')) -%}
      {%- do why.append('first rows: ' ~ rel.identifier ~ ' had none at the last export') -%}
      {%- set full = true -%}
    {%- endif -%}
    {%- set since = "true" if full else "false" if mine.watermark is none else "_loaded_at > '" ~ mine.watermark ~ "'::timestamptz" -%}
    {%- set loaded = query_list("select distinct cast(datetime_local as date)::varchar from " ~ rel ~ " where " ~ since ~ " order by 1") -%}
    {%- set landed = upcoming.get('landed_days', []) -%}
    {%- set days = (loaded + landed) | unique | sort -%}
    {%- if not full -%}
      {%- if loaded -%}
        {%- do why.append(loaded | length ~ ' day(s) received rows in ' ~ rel.identifier ~ ' loaded after the last export (' ~ mine.watermark ~ ')') -%}
      {%- endif -%}
      {%- if landed -%}
        {%- do why.append(landed | length ~ ' day(s) have rows in landed files ' ~ rel.identifier ~ ' has not appended yet') -%}
      {%- endif -%}
      {%- if not days and was_empty -%}
        {%- do why.append('nothing new: ' ~ rel.identifier ~ ' has no rows, as at the last export') -%}
      {%- elif not days -%}
        {%- do why.append('nothing new: no rows loaded into ' ~ rel.identifier ~ ' since the last export (' ~ mine.watermark ~ ')') -%}
      {%- endif -%}
    {%- endif -%}
    {{ return({'unit': unit, 'full': full, 'days': days, 'watermark': watermark, 'why': why}) }}
  {%- endif -%}

  {#- days_from: follow the upstream day files -#}
  {%- set up = model_state(rel) -%}
  {%- set watermark = up.updated_at if up is not none else none -%}
  {%- set upstream_plan = upcoming.get('upstream_plan') -%}
  {%- set coming = (upstream_plan.days or []) if upstream_plan else [] -%}
  {#- the complete time index covers every local day from the upstream's first to its last (and those it will write) -#}
  {%- set first_coming, last_coming = ("date '" ~ coming | min ~ "'", "date '" ~ coming | max ~ "'") if coming else ('null', 'null') -%}
  {#- the upstream's first and last local day: from its day summaries when complete (a year of rows otherwise) -#}
  {%- set bounds = ("(select min(day) as lo, max(day) as hi from main._day_keys where model = " ~ sql_literal(rel | string) ~ ")")
        if summarized_relation(rel) else ("(select min(datetime_local)::date as lo, max(datetime_local)::date as hi from " ~ rel ~ ")") -%}
  {%- set all_days = query_list("select unnest(generate_series(least(lo, " ~ first_coming ~ "), greatest(hi, "
                                ~ last_coming ~ "), interval 1 day))::date::varchar from " ~ bounds ~ " order by 1") -%}
  {%- if was_empty and not full and all_days -%}
    {%- do why.append('first rows: ' ~ rel.identifier ~ ' had none at the last export') -%}
  {%- elif not full and up is not none and up.full_export_at is not none and mine.watermark is not none
        and run_query("select '" ~ up.full_export_at ~ "'::timestamptz > '" ~ mine.watermark ~ "'::timestamptz").rows[0][0] -%}
    {%- do why.append(rel.identifier ~ ' was exported in full (' ~ up.full_export_at ~ ') after the last export of this model') -%}
  {%- elif not full and upstream_plan and upstream_plan.full -%}
    {%- do why.append(rel.identifier ~ ' is exported in full first (' ~ upstream_plan.why | join('; ') ~ ')') -%}
  {%- endif -%}
  {%- if not why and all_days | length == 0 and was_empty -%}
    {{ return({'unit': unit, 'full': false, 'days': [], 'watermark': watermark,
               'why': ['nothing new: ' ~ rel.identifier ~ ' has no rows, as at the last export']}) }}
  {%- elif not why and all_days | length == 0 -%}
    {%- do why.append(rel.identifier ~ ' has no rows') -%}
  {%- endif -%}
  {%- if why -%}
    {{ return({'unit': unit, 'full': true, 'days': all_days, 'watermark': watermark, 'why': why}) }}
  {%- endif -%}

  {%- set m = fill_margin_days() -%}
  {%- set first_day, last_day, last_had = all_days | min, all_days | max, have | max -%}
  {%- set sql_days -%}
    with rewritten as (
        -- the days the upstream rewrote since this model's last export (and, planning the next build, will rewrite)
        select distinct day from main._export_days where model = '{{ rel }}' and exported_at > '{{ mine.watermark }}'::timestamptz
        {%- if coming %}
        union select unnest([{{ sql_date_list(coming) }}])
        {%- endif %}
    ),
    wanted as (
        -- those days, with the fill rule's reach on each side
        select unnest(generate_series(day - {{ m }}, day + {{ m }}, interval 1 day))::date as day, 'near' as why from rewritten
        union all
        -- days of the range without a file yet (a longer range, a day with no data inside it)
        select d::date, 'no file' from unnest(generate_series(date '{{ first_day }}', date '{{ last_day }}', interval 1 day)) as t(d)
        where d::date not in ({{ sql_date_list(have) }})
        union all
        -- the range grew: the previous last day's trailing gaps now lead somewhere
        select unnest(generate_series(date '{{ last_had }}' - {{ m - 1 }}, date '{{ last_had }}', interval 1 day))::date, 'grew'
        where date '{{ last_day }}' > date '{{ last_had }}'
    )
    select day::varchar, bool_or(why = 'near'), bool_or(why = 'no file'), bool_or(why = 'grew'), (select count(*) from rewritten)
    from wanted
    where day between date '{{ first_day }}' and date '{{ last_day }}'
    group by day
    order by 1
  {%- endset -%}
  {%- set rows = run_query(sql_days).rows -%}
  {%- set days = rows | map(attribute=0) | list -%}
  {%- set counts = {'near': rows | selectattr(1) | list | length, 'no file': rows | selectattr(2) | list | length,
                     'grew': rows | selectattr(3) | list | length, 'rewritten': rows[0][4] if rows else 0} -%}
  {%- if counts['near'] -%}
    {%- do why.append(counts['near'] ~ ' day(s) within ' ~ m ~ " day(s) (the fill rule's reach) of the " ~ counts['rewritten']
                      ~ ' day(s) ' ~ rel.identifier ~ (' rewrites first or' if coming else '') ~ ' rewrote since the last export of this model ('
                      ~ mine.watermark ~ ')') -%}
  {%- endif -%}
  {%- if counts['no file'] -%}
    {%- do why.append(counts['no file'] ~ " day(s) of " ~ rel.identifier ~ "'s range without a file yet") -%}
  {%- endif -%}
  {%- if counts['grew'] -%}
    {%- do why.append('the range grew past ' ~ last_had ~ ': its last ' ~ counts['grew'] ~ ' day(s) again (their trailing gaps now lead somewhere)') -%}
  {%- endif -%}
  {%- if not days -%}
    {%- do why.append('nothing new: ' ~ rel.identifier ~ ' rewrote no day since the last export of this model (' ~ mine.watermark ~ ')') -%}
  {%- endif -%}
  {{ return({'unit': unit, 'full': false, 'days': days, 'watermark': watermark, 'why': why}) }}
{%- endmacro %}
