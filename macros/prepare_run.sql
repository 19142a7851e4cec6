{% macro data_dir() -%}
  {#- The folder of the warehouse: profiles.yml resolves ISO_DATA_DIR there, once, to an absolute path (a relative
      one against the project directory), so every path a view or a file location holds is absolute. -#}
  {{ return(adapter.dispatch('data_dir')()) }}
{%- endmacro %}

{% macro default__data_dir() -%}
  {{ return(target.path.rsplit('/', 1)[0]) }}
{%- endmacro %}

{% macro spark__data_dir() -%}
  {#- Spark: ISO_DATA_DIR resolved as profiles.yml resolves it for DuckDB (dbt shows a Spark target no path; the
      Spark profile resolves it the same way for its metastore and tables' warehouse). A URI (`s3a://...`) is kept. -#}
  {%- set dir = env_var('ISO_DATA_DIR', '') or 'data' -%}
  {%- if dir.startswith('~/') -%}{%- set dir = env_var('HOME', '~') ~ dir[1:] -%}{%- endif -%}
  {{ return((dir if dir.startswith('/') or '://' in dir else flags.PROFILES_DIR ~ '/' ~ dir).rstrip('/')) }}
{%- endmacro %}

{% macro iso_root(iso) -%}
  {{ return(data_dir() ~ '/' ~ iso | upper ~ '_data') }}
{%- endmacro %}

{% macro rollup_location(iso, path) -%}
  {{ return(iso_root(iso) ~ '/rollup_files/' ~ path) }}
{%- endmacro %}

{% macro prepare_run() %}
  {#- dispatched: the DuckDB body is default__prepare_run, Spark's spark__prepare_run (macros/spark/) -#}
  {{ return(adapter.dispatch('prepare_run')()) }}
{% endmacro %}

{% macro default__prepare_run() %}
  {#- on-run-start: DuckDB resources from the environment and the output folders. (The landing registry and the
      monitoring tables are created by the dbt-duckdb plugin on every connection, from their one definition in Python.) -#}
  {%- set statements = [] -%}
  {#- Memory: DuckDB's own default (80% of RAM) let Stage 2 of a month of SCED data peak near 6 GB. A 1.2 GB cap
      (DuckDB's MB: 10^6 bytes) keeps builds predictable on shared machines and laptops and spills to temp_directory
      instead: every large step streams or works a day (Stage 2) or a month (Stage 3) at a time, so the cap binds
      only the whole-history statements (run one at a time: macro run_alone) and a first build's reads of landed
      files. A year of ERCOT rebuilt with --full-refresh peaked at 1.65 GiB RSS with it (dbt's Python and DuckDB's
      CSV reader are outside the cap), 1.95 GiB with 1.5 GB, in about the same time (BENCHMARKS.md, "The memory
      cap at a year"); 1 GB made the pivot of a month spill, ~1.5x slower. DUCKDB_MEMORY_LIMIT overrides it (e.g.
      '16GB' on a big machine). -#}
  {%- do statements.append("set memory_limit = " ~ sql_literal(env_var('DUCKDB_MEMORY_LIMIT', '1200MB'))) -%}
  {%- if env_var('DUCKDB_THREADS', '') -%}
    {%- do statements.append("set threads = " ~ env_var('DUCKDB_THREADS') | int) -%}
  {%- endif -%}
  {%- if env_var('DUCKDB_TEMP_DIRECTORY', '') -%}
    {%- do statements.append("set temp_directory = " ~ sql_literal(env_var('DUCKDB_TEMP_DIRECTORY'))) -%}
  {%- endif -%}
  {%- do statements.append("set preserve_insertion_order = false") -%}
  {%- do statements.append(export_state_ddl()) -%}
  {%- for iso in project_isos() -%}
    {%- for sub in ['rollup_files', 'rollup_files/flattened', 'rollup_files/combined/yearly',
                    'rollup_files/combined/monthly', 'rollup_files/combined/analysis_ready'] -%}
      {%- do statements.append("select iso_mkdirs(" ~ sql_literal(iso_root(iso) ~ "/" ~ sub) ~ ")") -%}
    {%- endfor -%}
  {%- endfor -%}
  {{ return(statements | join(';\n')) }}
{% endmacro %}
{% macro generate_schema_name(custom_schema_name, node) -%}
  {#- Use the folder's schema as given (ercot, seeds, ...) instead of prefixing the target schema. -#}
  {{ (custom_schema_name or target.schema) | trim }}
{%- endmacro %}

{% macro project_isos() -%}
  {#- Every ISO the project has models or sources for (macro node_meta): a new ISO needs no edit here. Read once per
      invocation (the run's start and end hooks both ask; each pass over every node of the project is ~0.3 s). -#}
  {%- set memo = invocation_memo() -%}
  {%- if 'project_isos' not in memo -%}
    {%- set isos = [] -%}
    {%- for node in (graph.get('sources') or {}).values() | list + (graph.get('nodes') or {}).values() | list -%}
      {%- set iso = node_meta(node).iso -%}
      {%- if iso and iso not in isos -%}{%- do isos.append(iso) -%}{%- endif -%}
    {%- endfor -%}
    {%- do memo.update({'project_isos': isos | sort}) -%}
  {%- endif -%}
  {{ return(memo['project_isos']) }}
{%- endmacro %}
