{#-
  Materialization `parquet_partitions`: the model's SELECT is written with DuckDB COPY (streaming, no intermediate
  table) to hive-partitioned parquet under config `location`, zstd; the relation in the warehouse is a view over
  the files, so `ref()` downstream reads the parquet.

  config:
    location       folder (partitioned) or file (partition_by: []) to write
    partition_by   list of column names, default ['year']
    changed_from   Stage 2: an upstream model with columns `datetime_local` and `_loaded_at` (every landed row).
    days_from      Stage 3: an upstream model written one day at a time (a `changed_from` model).

  With `changed_from` or `days_from` the unit of rewrite is the local operating day: every `year=YYYY/` folder
  holds one file per day, `data_YYYYMMDD.parquet`, written by one COPY per day (the model filters with
  `where {{ changed_partitions() }}`, which the materialization narrows to each day in turn); with config
  `file_unit: month` (Stage 3's wide tables, where a file costs per column) one file per month, `data_YYYYMM.parquet`:
  the changed days are computed once and merged with the month's other days from its existing file. A run rewrites only:
    changed_from   the days that received rows since the last export;
    days_from      the days the upstream model rewrote since the last export, with `fill_margin_days()` days on
                   each side (the fill rule reaches that far), the days of the upstream's range that have no file
                   yet, and the last day of the previous range when the range grew (its trailing gaps change).
  Everything is rewritten on --full-refresh, on a first run, when files are missing or of an older layout, after a
  full export upstream (days_from) and when the model's columns changed (a new settlement point is a new column
  of every day). The days each run wrote are logged in `main._export_days`; the on-run-end hook record_verified
  marks them verified once every test of the model passed, and tests given a `local_column` check only the days
  not yet verified (unverified_days_filter).
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
  {%- set n = run_query("select count(*) from glob('" ~ pattern ~ "')").columns[0].values()[0] -%}
  {{ return(n > 0) }}
{%- endmacro %}

{% macro files_match_log(location, unit, days) -%}
  {#- True when the parquet files under `location` are exactly the files of the logged `days`: one per day
      (year=YYYY/data_YYYYMMDD.parquet) or per month (data_YYYYMM.parquet) for `unit`. False for files of another
      layout (an older version's data_0.parquet) and for a missing or extra file (deleted or copied by hand): the
      model is then rewritten in full rather than left with a hole. -#}
  {%- set digits = 8 if unit == 'day' else 6 -%}
  {%- set found = query_list("select coalesce(nullif(regexp_extract(file, '/year=\\d{4}/data_(\\d{" ~ digits
                             ~ "})\\.parquet$', 1), ''), file) from glob('" ~ parquet_glob(location) ~ "') order by 1") -%}
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

{% macro day_sql(sql, days, full=false) -%}
  {#- The model's SQL restricted to some local days: every changed_partitions() condition replaced. -#}
  {%- set marker = "/\\*iso_days:(\\w+)\\*/.*?/\\*iso_days_end\\*/" -%}
  {%- if full -%}{{ return(sql) }}{%- endif -%}
  {%- if days | length == 1 -%}
    {{ return(modules.re.sub(marker, "(\\1 >= date '" ~ days[0] ~ "' and \\1 < date '" ~ days[0] ~ "' + 1)", sql, flags=modules.re.S)) }}
  {%- endif -%}
  {{ return(modules.re.sub(marker, days_condition(days, '\\1') | replace('\n', ' '), sql, flags=modules.re.S)) }}
{%- endmacro %}

{% macro unverified_days_filter(model, column) -%}
  {#- For the expensive integrity tests of a model written one day at a time: a condition on `column` (a local
      timestamp) selecting the days no complete passing test run has covered yet - after an incremental export,
      the days it wrote (and any earlier ones a failing run left unverified). `true` (everything) when the last
      full export is not verified yet, before any export, and for every other model. record_verified keeps the
      state. -#}
  {%- if not execute -%}{{ return('true') }}{%- endif -%}
  {%- set state = model_state(model) -%}
  {%- if state is none or state.full_export_at is none or state.verified_at is none
        or state.verified_at < state.full_export_at -%}
    {{ return('true') }}
  {%- endif -%}
  {%- set days = query_list("select distinct day::varchar from main._export_days where model = '" ~ model
                            ~ "' and verified_at is null order by 1") -%}
  {{ return(days_condition(days | list, column)) }}
{%- endmacro %}

{% macro record_verified(results) %}
  {#- on-run-end: a model written one day at a time whose every enabled test (attached to it) ran in this
      invocation, none failing or erroring, is verified up to its last export (warnings are findings, reported
      elsewhere, not failures). A partial test selection verifies nothing. -#}
  {%- if not execute -%}{{ return('') }}{%- endif -%}
  {%- set ran = {} -%}
  {%- for res in results if res.node.resource_type == 'test' -%}
    {%- do ran.update({res.node.unique_id: res.status}) -%}
  {%- endfor -%}
  {%- if ran | length == 0 -%}{{ return('') }}{%- endif -%}
  {%- set day_models = {} -%}
  {%- for node in graph.nodes.values() if node.resource_type == 'model' and node.config.materialized == 'parquet_partitions'
        and (node.config.get('changed_from') or node.config.get('days_from')) -%}
    {%- do day_models.update({node.name: node}) -%}
  {%- endfor -%}
  {%- set tests_of = {} -%}
  {%- for t in graph.nodes.values() if t.resource_type == 'test' and t.config.enabled -%}
    {%- do tests_of.setdefault(t.get('attached_node') or (t.depends_on.nodes | first), []).append(t.unique_id) -%}
  {%- endfor -%}
  {%- set statements = [] -%}
  {%- for node in day_models.values() -%}
    {%- set tests = tests_of.get(node.unique_id, []) -%}
    {%- set not_passed = [] -%}
    {%- for t in tests if ran.get(t) not in ('pass', 'warn') -%}{%- do not_passed.append(t) -%}{%- endfor -%}
    {%- if tests | length > 0 and not_passed | length == 0 -%}
      {%- set rel = api.Relation.create(database=node.database, schema=node.schema, identifier=node.alias) -%}
      {%- do statements.append("update main._export_days set verified_at = now() where model = '" ~ rel ~ "' and verified_at is null") -%}
      {%- do statements.append("update main._export_state set verified_at = now() where model = '" ~ rel ~ "'") -%}
    {%- endif -%}
  {%- endfor -%}
  {%- if statements | length > 0 -%}
    {%- do run_query(statements | join(';\n')) -%}
  {%- endif -%}
  {{ return('') }}
{% endmacro %}

{% macro log_exported_days(plan) -%}
  {#- Which local days this run wrote; a full export starts the log afresh (unverified). -#}
  {%- if plan.full -%}
    delete from main._export_days where model = '{{ this }}';
    update main._export_state set verified_at = null where model = '{{ this }}';
  {%- endif -%}
  {%- if plan.days | length > 0 -%}
    insert into main._export_days (model, day, exported_at)
    select '{{ this }}', unnest([{{ sql_date_list(plan.days) }}]), now();
  {%- endif -%}
  select 1
{%- endmacro %}

{% materialization parquet_partitions, adapter='duckdb' %}
  {%- set location = config.require('location') -%}
  {%- set partition_by = config.get('partition_by', ['year']) -%}
  {%- set partitioned = partition_by | length > 0 -%}
  {%- set by_day = config.get('changed_from') is not none or config.get('days_from') is not none -%}
  {%- set target_relation = this.incorporate(type='view') -%}
  {%- set existing = load_cached_relation(this) -%}

  {{ run_hooks(pre_hooks, inside_transaction=False) }}
  {{ run_hooks(pre_hooks, inside_transaction=True) }}

  {%- if partitioned -%}
    {%- do run_query("select iso_mkdirs('" ~ location ~ "')") -%}
  {%- else -%}
    {%- do run_query("select iso_mkdirs(parse_dirpath('" ~ location ~ "'))") -%}
  {%- endif -%}
  {%- set plan = partition_plan(sql) -%}

  {%- set scratch = location ~ '.writing' -%}
  {% call statement('main') -%}
    {%- if by_day and config.get('file_unit', 'day') == 'month' -%}
      {#- one file per local month (file_unit 'month', Stage 3: a wide file has one column chunk per settlement
          point, so a month in one file costs what a day does): for each month touched, the SQL runs once for its days
          to rewrite into a temporary table (with their local `_day`), and the month's file is written from those rows
          plus, unless this is a full export, the other days' rows of the month's existing file. -#}
      {%- set tz = iso_timezone(config.get('meta', {}).get('iso')) -%}
      {%- set months = {} -%}
      {%- for day in plan.days -%}{%- do months.setdefault(day[:7], []).append(day) -%}{%- endfor -%}
      {%- set batch_table = '_day_batch_' ~ this.identifier -%}
      {%- set drop = (partition_by + ['_day']) | join(', ') -%}
      select iso_remove_tree('{{ scratch }}');
      {%- for month, days in months | dictsort %}
      {%- set name = 'year=' ~ month[:4] ~ '/data_' ~ month | replace('-', '') ~ '.parquet' %}
      {%- set keep_old = not plan.full and parquet_files_exist(location ~ '/' ~ name, false) %}
      {#- a month at a time: memory holds one month of the wide table, however long the history -#}
      create or replace temp table {{ batch_table }} as {{ day_sql(sql, days) }};
      select iso_mkdirs('{{ scratch }}/year={{ month[:4] }}');
      copy (
          select * exclude ({{ drop }}) from {{ batch_table }}
          {%- if keep_old %}
          union all by name
          select * from read_parquet('{{ location }}/{{ name }}', hive_partitioning = false)
          where cast(timezone('{{ tz }}', datetime) as date) not in ({{ sql_date_list(days) }})
          {%- endif %}
          order by datetime
      ) to '{{ scratch }}/{{ name }}' (format parquet, compression zstd);
      drop table {{ batch_table }};
      {%- endfor %}
      select iso_publish_day_files('{{ scratch }}', '{{ location }}', {{ 'true' if plan.full else 'false' }}) as files
    {%- elif by_day -%}
      {#- one COPY per local day into a scratch folder (much faster than one COPY partitioned by day: measured
          1.9 s vs 7.3 s for a month of SCED rows), then iso_publish_day_files moves each day's file into
          year=YYYY/data_YYYYMMDD.parquet, replacing that day's old file (and, on a full export, removing the rest) -#}
      select iso_remove_tree('{{ scratch }}');
      {%- for day in plan.days %}
      {%- set folder = scratch ~ '/year=' ~ day[:4] %}
      select iso_mkdirs('{{ folder }}');
      copy (select * exclude ({{ partition_by | join(', ') }}) from ({{ day_sql(sql, [day]) }}))
        to '{{ folder }}/data_{{ day | replace('-', '') }}.parquet' (format parquet, compression zstd);
      {%- endfor %}
      select iso_publish_day_files('{{ scratch }}', '{{ location }}', {{ 'true' if plan.full else 'false' }}) as files
    {%- elif partitioned -%}
      copy ({{ sql }}) to '{{ location }}' (
        format parquet, compression zstd, partition_by ({{ partition_by | join(', ') }}),
        overwrite, filename_pattern 'data_{i}'
      )
    {%- else -%}
      copy ({{ sql }}) to '{{ location }}' (format parquet, compression zstd)
    {%- endif -%}
  {%- endcall %}

  {%- if existing is not none and existing.type != 'view' -%}
    {{ adapter.drop_relation(existing) }}
  {%- endif -%}
  {%- set hive_types = [] -%}
  {%- for col in partition_by -%}{%- do hive_types.append("'" ~ col ~ "': INTEGER") -%}{%- endfor -%}
  {% call statement('create_view') -%}
    create or replace view {{ target_relation }} as
    {% if parquet_files_exist(location, partitioned) -%}
      select * from read_parquet('{{ parquet_glob(location) if partitioned else location }}'
        {%- if partitioned %}, hive_partitioning = true, union_by_name = true, hive_types = { {{ hive_types | join(', ') }} }{% endif %})
    {%- else -%}
      {#- no file yet: the model's columns, no rows (`_day`, the local day a day-unit model computes, is never written) -#}
      select columns(lambda c: c <> '_day') from ({{ sql }}) where false
    {%- endif %}
  {%- endcall %}

  {%- if by_day -%}
    {% call statement('record_state') -%}
      insert or replace into main._export_state (model, watermark, full_export_at, updated_at, verified_at)
      select '{{ this }}', {{ "'" ~ plan.watermark ~ "'::timestamptz" if plan.watermark is not none else 'null' }},
             {{ "now()" if plan.full else "(select full_export_at from main._export_state where model = '" ~ this ~ "')" }},
             now(),
             (select verified_at from main._export_state where model = '{{ this }}');
      {{ log_exported_days(plan) }}
    {%- endcall %}
  {%- endif -%}

  {{ run_hooks(post_hooks, inside_transaction=True) }}
  {{ adapter.commit() }}
  {{ run_hooks(post_hooks, inside_transaction=False) }}
  {{ return({'relations': [target_relation]}) }}
{% endmaterialization %}
