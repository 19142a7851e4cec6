{#-
  Materialization `parquet_partitions`: the model's SELECT is written with one DuckDB COPY (streaming, no
  intermediate table) to hive-partitioned parquet under config `location`, zstd; the relation in the warehouse
  is a view over the files, so `ref()` downstream reads the parquet.

  config:
    location       folder (partitioned) or file (partition_by: []) to write
    partition_by   list of column names, default ['year']
    changed_from   optional: name of an upstream model with columns `year` and `_loaded_at`. Then only the
                   partitions whose years received rows since the last successful export are rewritten (the
                   model filters with `where {{ changed_partitions() }}`); other partitions stay untouched.
                   --full-refresh, a first run or missing output rewrite everything.
-#}

{% macro export_state_ddl() -%}
  create table if not exists main._export_state (
    model varchar primary key, watermark timestamptz, full_export_at timestamptz, updated_at timestamptz
  )
{%- endmacro %}

{% macro parquet_glob(location) -%}
  {{ return(location ~ '/**/*.parquet') }}
{%- endmacro %}

{% macro parquet_files_exist(location, partitioned) -%}
  {%- set pattern = parquet_glob(location) if partitioned else location -%}
  {%- set n = run_query("select count(*) from glob('" ~ pattern ~ "')").columns[0].values()[0] -%}
  {{ return(n > 0) }}
{%- endmacro %}

{% macro partition_plan() -%}
  {#- {'full': bool, 'years': [...], 'watermark': ts or none}: what this run of the model must write. -#}
  {%- set upstream = config.get('changed_from') -%}
  {%- set location = config.get('location') -%}
  {%- if not execute or not upstream -%}
    {{ return({'full': true, 'years': [], 'watermark': none}) }}
  {%- endif -%}
  {%- set rel = ref(upstream) -%}
  {%- set watermark = run_query("select max(_loaded_at)::varchar from " ~ rel).columns[0].values()[0] -%}
  {%- set state = run_query("select watermark::varchar from main._export_state where model = '" ~ this ~ "'") -%}
  {%- if flags.FULL_REFRESH or state.rows | length == 0 or state.columns[0].values()[0] is none
        or not parquet_files_exist(location, true) -%}
    {{ return({'full': true, 'years': [], 'watermark': watermark}) }}
  {%- endif -%}
  {%- set last = state.columns[0].values()[0] -%}
  {%- set years = run_query("select distinct year from " ~ rel ~ " where _loaded_at > '" ~ last
                            ~ "'::timestamptz order by 1").columns[0].values() -%}
  {{ return({'full': false, 'years': years | list, 'watermark': watermark}) }}
{%- endmacro %}

{% macro changed_partitions() -%}
  {#- The WHERE condition limiting a `changed_from` model to the partitions this run rewrites. -#}
  {%- set plan = partition_plan() -%}
  {%- if plan.full -%} true
  {%- elif plan.years | length == 0 -%} false
  {%- else -%} year in ({{ plan.years | join(', ') }})
  {%- endif -%}
{%- endmacro %}

{% materialization parquet_partitions, adapter='duckdb' %}
  {%- set location = config.require('location') -%}
  {%- set partition_by = config.get('partition_by', ['year']) -%}
  {%- set partitioned = partition_by | length > 0 -%}
  {%- set target_relation = this.incorporate(type='view') -%}
  {%- set existing = load_cached_relation(this) -%}
  {%- set plan = partition_plan() -%}

  {{ run_hooks(pre_hooks, inside_transaction=False) }}
  {{ run_hooks(pre_hooks, inside_transaction=True) }}

  {%- if partitioned -%}
    {%- do run_query("select iso_mkdirs('" ~ location ~ "')") -%}
  {%- else -%}
    {%- do run_query("select iso_mkdirs(parse_dirpath('" ~ location ~ "'))") -%}
  {%- endif -%}

  {%- set write = plan.full or plan.years | length > 0 -%}
  {% call statement('main') -%}
    {%- if write and partitioned -%}
      copy ({{ sql }}) to '{{ location }}' (
        format parquet, compression zstd, partition_by ({{ partition_by | join(', ') }}),
        {{ 'overwrite' if plan.full else 'overwrite_or_ignore' }}, filename_pattern 'data_{i}'
      )
    {%- elif write -%}
      copy ({{ sql }}) to '{{ location }}' (format parquet, compression zstd)
    {%- else -%}
      select 'no partition changed' as status
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
      select * from ({{ sql }}) where false
    {%- endif %}
  {%- endcall %}

  {%- if plan.watermark is not none -%}
    {% call statement('record_state') -%}
      insert or replace into main._export_state
      select '{{ this }}', '{{ plan.watermark }}'::timestamptz,
             {{ "now()" if plan.full else "(select full_export_at from main._export_state where model = '" ~ this ~ "')" }},
             now()
    {%- endcall %}
  {%- endif -%}

  {{ run_hooks(post_hooks, inside_transaction=True) }}
  {{ adapter.commit() }}
  {{ run_hooks(post_hooks, inside_transaction=False) }}
  {{ return({'relations': [target_relation]}) }}
{% endmaterialization %}
