{% macro source_node(source_name, table_name) -%}
  {%- for node in graph.sources.values() -%}
    {%- if node.source_name == source_name and node.name == table_name -%}{{ return(node) }}{%- endif -%}
  {%- endfor -%}
  {{ exceptions.raise_compiler_error("no source " ~ source_name ~ "." ~ table_name) }}
{%- endmacro %}

{% macro landed_source(source_name, table_name) -%}
  {#-
    A landed-CSV source, or - when nothing of that format has been landed yet - an empty relation with the
    source's declared columns and types (read_csv fails on a glob that matches no file). Keeps
    `dbt build --select tag:<iso>` working for an ISO where only some reports were landed.
    In a dbt unit test the source is the test's `given` rows (a CTE): returned as it is, whatever was landed. A unit
    test is compiled as a node of resource type `unit_test` (and against a manifest of its fixtures only, where
    `graph` is empty and the landing registry says nothing about the rows given).
  -#}
  {%- set rel = source(source_name, table_name) -%}
  {%- if not execute or model.resource_type == 'unit_test' -%}{{ return(rel) }}{%- endif -%}
  {%- set node = source_node(source_name, table_name) -%}
  {%- set n = run_query("select count(*) from landing.landed_files where iso = " ~ sql_literal(node.meta.iso)
                        ~ " and format = " ~ sql_literal(node.meta.format)).columns[0].values()[0] -%}
  {%- if n > 0 -%}{{ return(adapter.dispatch('landed_relation')(rel)) }}{%- endif -%}
  {%- set cols = [] -%}
  {%- for name, col in node.columns.items() -%}
    {%- do cols.append("cast(null as " ~ declared_type(col.data_type) ~ ") as " ~ adapter.quote(name)) -%}
  {%- endfor -%}
  {{ return("(select " ~ cols | join(", ") ~ " where false)") }}
{%- endmacro %}

{% macro new_landed_file_paths(iso, formats) -%}
  {#- The landed files of these formats registered in landing.landed_files and not yet in {{ this }} (full paths). -#}
  {%- set sql -%}
    select {{ sql_literal(iso_root(iso) ~ '/') }} || path
    from landing.landed_files
    where iso = {{ sql_literal(iso) }} and format in ({{ sql_literal_list(formats, brackets=false) }})
      and path not in ({{ loaded_file_paths(this) }})
    order by 1
  {%- endset -%}
  {{ return(run_query(sql).columns[0].values() | list) }}
{%- endmacro %}

{% macro loaded_file_paths(relation) -%}
  {{ return(adapter.dispatch('loaded_file_paths')(relation)) }}
{%- endmacro %}

{% macro default__loaded_file_paths(relation) -%}
  {#- A query of the landed files (`source_file`) an intermediate model already holds: its list in
      main._loaded_files (record_loaded_files), which is small, instead of reading the file of every row of the
      model's history; that read only while the model has no list yet (a warehouse of an earlier version). -#}
  {%- set tracked = execute and state_table_exists('_loaded_files') and run_query(
        "select count(*) from main._loaded_files where model = " ~ sql_literal(relation | string)).columns[0].values()[0] > 0 -%}
  {%- if tracked -%}
    {{ return("select path from main._loaded_files where model = " ~ sql_literal(relation | string)) }}
  {%- endif -%}
  {{ return("select distinct source_file from " ~ relation) }}
{%- endmacro %}

{% macro record_loaded_files() -%}
  {{ return(adapter.dispatch('record_loaded_files')()) }}
{%- endmacro %}

{% macro default__record_loaded_files() -%}
  {#- Post-hook of the intermediate models, in the transaction of their insert: the landed files just appended join
      the model's list in main._loaded_files (the rows this run wrote, found through the column's min/max per row
      group, not by reading history). The whole list again after a full build and the first time a
      model has none. -#}
  {%- if not execute -%}{{ return('') }}{%- endif -%}
  {#- only the models of landed rows (landed_rows: `source_file` and `_loaded_at`), not e.g. the settlement points -#}
  {%- set names = adapter.get_columns_in_relation(this) | map(attribute='name') | list -%}
  {%- if 'source_file' not in names or '_loaded_at' not in names -%}{{ return('') }}{%- endif -%}
  {%- set key = sql_literal(this | string) -%}
  {%- set tracked = run_query("select count(*) from main._loaded_files where model = " ~ key).columns[0].values()[0] > 0 -%}
  {%- if tracked and is_incremental() -%}
    {#- the rows this run appended carry now() (landed_rows), and the hook runs in the same transaction, so the
        transaction's now() finds them through the row groups' min/max alone; a build with nothing new reads
        nothing (the newest `_loaded_at` instead is every row after a full build: a year of rows read again) -#}
    {{ return("insert or ignore into main._loaded_files select distinct " ~ key ~ ", source_file from " ~ this
              ~ " where _loaded_at = now()") }}
  {%- endif -%}
  {{ return("delete from main._loaded_files where model = " ~ key ~ ";\n"
            ~ "insert into main._loaded_files select distinct " ~ key ~ ", source_file from " ~ this) }}
{%- endmacro %}

{% macro empty_relation_like(relation) -%}
  {{ return(adapter.dispatch('empty_relation_like')(relation)) }}
{%- endmacro %}

{% macro spark__empty_relation_like(relation) -%}
  {{ return('select * from ' ~ relation ~ ' where false') }}
{%- endmacro %}

{% macro default__empty_relation_like(relation) -%}
  {#- A query with `relation`'s columns and types and no row, read from the catalog (get_columns_in_relation),
      so a view is not bound; `select * ... where false` when the catalog does not list it. -#}
  {%- set columns = adapter.get_columns_in_relation(relation) -%}
  {%- if columns | length == 0 -%}{{ return('select * from ' ~ relation ~ ' where false') }}{%- endif -%}
  {%- set out = [] -%}
  {%- for c in columns -%}{%- do out.append('cast(null as ' ~ c.data_type ~ ') as ' ~ adapter.quote(c.name)) -%}{%- endfor -%}
  {{ return('select ' ~ out | join(', ') ~ ' where false') }}
{%- endmacro %}

{% macro landed_files_variables(reset=false) -%}
  {{ return(adapter.dispatch('landed_files_variables')(reset)) }}
{%- endmacro %}

{% macro default__landed_files_variables(reset=false) -%}
  {#-
    Pre-hook (and, with reset, post-hook) of the intermediate models. Every landed-CSV source reads
    `read_csv(coalesce(getvariable('iso_files_<format>'), ['<glob>']))`: unset, the variable means every landed file;
    on an incremental run this hook sets it, for each format the model reads (through its staging models), to the
    files landed since the last build, so DuckDB opens only those - never the history. Reset afterwards, so no later
    node on the connection sees it; landed_rows' own condition on the file names keeps the result right regardless.
    More files to read than ISO_BUILD_FILES_PER_READ (a first build of a long history): they are read in batches of
    that many (read_batches), since DuckDB's CSV reader keeps a few KB per file of one read outside its memory cap
    (3.8 GB RSS for 515,000 files in one read); the model's own statement reads the first batch.
  -#}
  {%- if not execute -%}{{ return('') }}{%- endif -%}
  {%- set formats = intermediate_formats() -%}
  {%- set statements = ["drop table if exists temp." ~ read_batches_table()] -%}
  {%- if reset -%}
    {%- for iso, format in formats -%}
      {%- do statements.append("reset variable iso_files_" ~ format) -%}
      {%- do statements.append("reset variable iso_skip_" ~ format) -%}
    {%- endfor -%}
    {{ return(statements | join(';\n')) }}
  {%- endif -%}
  {%- set per_read = env_var('ISO_BUILD_FILES_PER_READ', '20000') | int -%}
  {%- set counts = {} -%}
  {%- for iso, format in formats -%}
    {%- set files = new_landed_file_paths(iso, [format]) if is_incremental() else none -%}
    {%- do counts.update({format: files | length if files is not none else landed_file_count(iso, format)}) -%}
    {%- if files -%}
      {%- do statements.append("set variable iso_files_" ~ format ~ " = " ~ sql_literal_list(files)) -%}
    {%- else -%}
      {%- do statements.append("reset variable iso_files_" ~ format) -%}
    {%- endif -%}
    {%- do statements.append("reset variable iso_skip_" ~ format) -%}
  {%- endfor -%}
  {%- if counts.values() | sum > [per_read, 1] | max -%}
    {#- the batches' variables replace the statements above (every format's files and skip flag) -#}
    {%- do run_query(read_batches_plan(formats, [per_read, 1] | max)) -%}
    {{ return(read_batch_variables(formats, 0)) }}
  {%- endif -%}
  {{ return(statements | join(';\n')) }}
{%- endmacro %}

{% macro intermediate_formats() -%}
  {#- (iso, format) of every landed-CSV source an intermediate model reads through its staging models. -#}
  {%- set formats = [] -%}
  {%- for staging_id in model.depends_on.nodes if staging_id.startswith('model.') -%}
    {%- for source_id in graph.nodes[staging_id].depends_on.nodes if source_id in graph.sources -%}
      {%- set meta = graph.sources[source_id].meta -%}
      {%- if meta.get('format') and meta.get('iso') -%}{%- do formats.append((meta.iso, meta.format)) -%}{%- endif -%}
    {%- endfor -%}
  {%- endfor -%}
  {{ return(formats) }}
{%- endmacro %}

{% macro landed_file_count(iso, format) -%}
  {{ return(run_query("select count(*) from landing.landed_files where iso = " ~ sql_literal(iso)
                      ~ " and format = " ~ sql_literal(format)).columns[0].values()[0]) }}
{%- endmacro %}

{% macro read_batches_table() -%}
  {#- The temporary table of this model's batches of files to read (one per model: nodes share no connection). -#}
  {{ return('_iso_read_batches_' ~ this.identifier) }}
{%- endmacro %}

{% macro read_batches_plan(formats, per_read) -%}
  {#- The files this build of the model reads (every landed file of its formats, or those it does not hold yet),
      numbered into batches of `per_read` in (format, path) order. -#}
  {%- set parts = [] -%}
  {%- for iso, format in formats -%}
    {%- set part -%}
      select format, {{ sql_literal(iso_root(iso) ~ '/') }} || path as file from landing.landed_files
      where iso = {{ sql_literal(iso) }} and format = {{ sql_literal(format) }}
      {%- if is_incremental() %} and path not in ({{ loaded_file_paths(this) }}){% endif %}
    {%- endset -%}
    {%- do parts.append(part) -%}
  {%- endfor -%}
  create or replace temp table {{ read_batches_table() }} as
  select format, file, (row_number() over (order by format, file) - 1) // {{ per_read }} as batch
  from ({{ parts | join('\n    union all ') }})
{%- endmacro %}

{% macro read_batch_variables(formats, batch) -%}
  {#- Point each source at its files of batch `batch`; a format with none there is skipped (iso_skip_<format>,
      landed_rows' read_batch_condition) and pointed at one of its files, so binding its view stays cheap. -#}
  {%- set table = 'temp.' ~ read_batches_table() -%}
  {%- set statements = [] -%}
  {%- for iso, format in formats -%}
    {%- set mine = "from " ~ table ~ " where format = " ~ sql_literal(format) -%}
    {%- do statements.append("set variable iso_files_" ~ format ~ " = coalesce((select list(file order by file) "
                             ~ mine ~ " and batch = " ~ batch ~ "), (select case when count(*) > 0 then [min(file)] end "
                             ~ mine ~ "))") -%}
    {%- do statements.append("set variable iso_skip_" ~ format ~ " = not exists (select 1 " ~ mine
                             ~ " and batch = " ~ batch ~ ")") -%}
  {%- endfor -%}
  {{ return(statements | join(';\n')) }}
{%- endmacro %}

{% macro read_batches() -%}
  {{ return(adapter.dispatch('read_batches')()) }}
{%- endmacro %}

{% macro default__read_batches() -%}
  {#- Post-hook of the intermediate models, before the variables are reset: when the pre-hook split the files to
      read into batches (landed_files_variables), the model's statement read the first; append the others, each
      with the same compiled statement and the sources pointed at that batch's files. -#}
  {%- if not execute -%}{{ return('') }}{%- endif -%}
  {%- set found = run_query("select count(*) from duckdb_tables() where temporary and table_name = "
                            ~ sql_literal(read_batches_table())).columns[0].values()[0] -%}
  {%- if found == 0 -%}{{ return('') }}{%- endif -%}
  {%- set last = run_query("select max(batch) from temp." ~ read_batches_table()).columns[0].values()[0] -%}
  {%- set formats = intermediate_formats() -%}
  {%- for batch in range(1, last + 1) -%}
    {{ log(this.identifier ~ ": reading landed files, batch " ~ (batch + 1) ~ " of " ~ (last + 1), info=true) }}
    {%- do run_query(read_batch_variables(formats, batch)) -%}
    {%- do run_query("insert into " ~ this ~ " by name " ~ compiled_code) -%}
  {%- endfor -%}
  {{ return('') }}
{%- endmacro %}

{% macro read_batch_condition(format) -%}
  {{ return(adapter.dispatch('read_batch_condition')(format)) }}
{%- endmacro %}

{% macro default__read_batch_condition(format) -%}
  {#- False while a batched read (read_batches) reads another format's files: the model's rows of this format come
      from its own batches. A constant to DuckDB: the skipped source is bound (one file) but not read. -#}
  not coalesce(getvariable('iso_skip_{{ format }}'), false)
{%- endmacro %}

{% macro relative_source_file(col) -%}
  {#- Landed file path relative to the ISO folder: csv_files/<dataset>/<format>/<name>. -#}
  substr({{ col }}, instr({{ col }}, 'csv_files/'))
{%- endmacro %}

{% macro landed_rows(iso, staging_models, columns) -%}
  {#-
    The body of every intermediate model: all rows of the given staging models (one per report format,
    `[(ref('stg_...'), 'format'), ...]`), appended file by file - on an incremental run only the files landed since
    the last one are read (a condition on the file names, new_landed_file_paths; none at all: empty_relation_like) - with the interval start in UTC and local time and its length, `columns`, the landed
    file relative to the ISO folder, `version_key`, the partition `year` (local) and `_loaded_at` (which Stage 2
    partitions to rewrite). interval_end and hour_ending follow from the interval start and interval_minutes, `iso`
    is the model's, so Stage 2 derives them (stage2_latest) instead of storing them for every landed row: the
    widest tables of the warehouse are ~20% cheaper to write.
    Where the ISO types its points (`iso_point_type` among `columns`), a name published under a second type gets
    that type's suffix here (point_name: ERCOT LZEW rows become `<zone>_EW`), so one name is one series downstream.
  -#}
with
{%- for model, format in staging_models %}
{%- set files = new_landed_file_paths(iso, [format]) if execute and is_incremental() else none %}
landed_{{ loop.index }} as (
    {%- if files is not none and files | length == 0 %}
    {#- nothing new: the staging view's columns, without binding it (binding reads the first CSV and lists every
        landed file: 1.4 s for a year of SCED files, on every build) -#}
    {{ empty_relation_like(model) | indent(4) }}
    {%- else %}
    select * from {{ model }}
    where {{ read_batch_condition(format) }}
    {%- if files is not none %} and source_file in ({{ sql_literal_list(files, brackets=false) }}){% endif %}
    {%- endif %}
),
{%- endfor %}

unioned as (
    {{- union_landed(staging_models, ['datetime', 'datetime_local', 'interval_minutes'] + columns + ['source_file', 'version_key']) | indent(4) }}
)

select
    datetime,
    datetime_local,
    interval_minutes,
    {%- for c in columns %}
    {%- if c == 'settlement_point' and 'iso_point_type' in columns %}
    {{ point_name(iso, 'settlement_point', 'iso_point_type') }} as settlement_point,
    {%- else %}
    {{ c }},
    {%- endif %}
    {%- endfor %}
    {{ relative_source_file('source_file') }} as source_file,
    version_key,
    extract(year from datetime_local)::integer as year,
    now() as _loaded_at
from unioned
{%- endmacro %}

{% macro delivery_version_key(filename_column, iso) -%}
  {#- Orders two deliveries of the same interval (the later one wins in Stage 2) by what the ISO published, never by
      where the file lies: the landing registry's publish time (from the ISO's own names, see ingest/published.py;
      the landing time when the names carry none), then the landing order. Identical wherever the data directory
      is moved or copied. A file not in the registry gets '' (it loses to every registered delivery, and two of
      them tie, which Stage 2 reports instead of choosing). A scalar subquery on the landing registry (a dbt
      source), for staging models only. -#}
  coalesce((
    select {{ utc_digits('coalesce(r.published_at, r.landed_at)') }}
           -- a registry mirrored by an older version has no landing_seq yet (until the next landing rewrites it)
           || lpad(cast(coalesce(r.landing_seq, 0) as string), 12, '0')
    from {{ source('landing', 'landed_files') }} as r
    where r.iso = '{{ iso }}' and r.path = {{ relative_source_file(filename_column) }}
  ), '')
{%- endmacro %}

{% macro union_landed(staging_models, columns) -%}
  {#- The CTEs landed_1..n of landed_rows (one per staging model) appended by column name; `columns` are the ones
      landed_rows reads. -#}
  {{ return(adapter.dispatch('union_landed')(staging_models, columns)) }}
{%- endmacro %}

{% macro default__union_landed(staging_models, columns) -%}
  {%- for model, format in staging_models %}
    select * from landed_{{ loop.index }}{{ ' union all by name' if not loop.last }}
  {%- endfor %}
{%- endmacro %}

{% macro declared_type(data_type) -%}
  {#- A column type as declared in the sources (DuckDB's names) in the target's SQL. -#}
  {{ return(adapter.dispatch('declared_type')(data_type)) }}
{%- endmacro %}

{% macro default__declared_type(data_type) -%}
  {{ return(data_type) }}
{%- endmacro %}

{% macro default__landed_relation(rel) -%}
  {#- The relation of a landed-CSV source with files landed: the source (DuckDB reads the CSVs through it). -#}
  {{ return(rel) }}
{%- endmacro %}
