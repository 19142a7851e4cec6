{#-
  The Spark target's run hooks (docs/running_on_a_cluster.md). dbt-spark runs one statement per call, so these
  macros execute their statements themselves (run_query) and leave the hook a no-op `select 1`.
-#}

{% macro spark__prepare_run() %}
  {#-
    on-run-start on Spark: the landing registry and every landed-CSV source as tables Spark reads.
    - `landing.landed_files`: a view over `landing/landed_files.parquet`, the copy `iso-pipeline land` writes of the
      DuckDB registry (ingest/registry.py export_landed_files). Nothing landed yet: Spark's PATH_NOT_FOUND says so.
    - each source `<iso>_landed.<format>` with files landed: a CSV table over its landed files with the source's
      declared columns and types (spark_csv_source), read strictly (mode FAILFAST); spark__landed_relation adds
      the column `filename`. Recreated on every run: Spark lists the files when the table is created.
  -#}
  {%- if not execute -%}{{ return('select 1') }}{%- endif -%}
  {%- do run_query("create database if not exists landing") -%}
  {%- do run_query("create or replace view landing.landed_files as select * from parquet.`"
                   ~ data_dir() ~ "/landing/landed_files.parquet`") -%}
  {%- set landed = {} -%}
  {%- for r in run_query("select distinct iso, format from landing.landed_files").rows -%}
    {%- do landed.update({r[0] ~ '/' ~ r[1]: true}) -%}
  {%- endfor -%}
  {%- set schemas = [] -%}
  {%- for node in graph.sources.values() if node.meta.get('format') and node.meta.get('iso') -%}
    {%- if node.schema not in schemas -%}
      {%- do run_query("create database if not exists " ~ node.schema) -%}
      {%- do schemas.append(node.schema) -%}
    {%- endif -%}
    {%- if landed.get(node.meta.iso ~ '/' ~ node.meta.format) -%}
      {%- for statement in spark_csv_source(node) -%}{%- do run_query(statement) -%}{%- endfor -%}
    {%- endif -%}
  {%- endfor -%}
  {{ return('select 1') }}
{% endmacro %}

{% macro spark_csv_source(node) -%}
  {#-
    The statements that make a landed-CSV source readable on Spark, from the same declaration DuckDB reads: the
    columns and data types of the source, and the CSV dialect and date formats of its `external_location`
    (strftime patterns turned into Spark's). The files are every landed CSV of the format; which of them a model
    reads is decided by the model (landed_rows: new_landed_file_paths), as on DuckDB. The path is the folder, filtered with
    pathGlobFilter: a `*.csv` glob made each file a root path, which Spark lists with a job of one task per file
    (measured: 26 s of on-run-start for 1,946 files, 16 s after).
  -#}
  {%- set location = node.meta.external_location -%}
  {%- set options = {'header': 'true', 'mode': 'FAILFAST', 'enforceSchema': 'true'} -%}
  {%- for duck, spark in [('delim', 'sep'), ('quote', 'quote'), ('escape', 'escape'),
                          ('dateformat', 'dateFormat'), ('timestampformat', 'timestampFormat')] -%}
    {%- set m = modules.re.search(duck ~ "\\s*=\\s*'((?:[^']|'')*)'", location) -%}
    {%- if m -%}{%- do options.update({spark: spark_datetime_pattern(m.group(1).replace("''", "'"))}) -%}{%- endif -%}
    {#- `timestamp` columns are TIMESTAMP_NTZ, which Spark's CSV reader parses with its own option -#}
    {%- if m and spark == 'timestampFormat' -%}{%- do options.update({'timestampNTZFormat': options[spark]}) -%}{%- endif -%}
  {%- endfor -%}
  {%- set columns = [] -%}
  {%- for name, col in node.columns.items() if name != 'filename' -%}
    {%- do columns.append(adapter.quote(name) ~ ' ' ~ declared_type(col.data_type)) -%}
  {%- endfor -%}
  {%- set csv_table = node.schema ~ '.' ~ adapter.quote(node.identifier) -%}
  {%- set folder = iso_root(node.meta.iso) ~ '/csv_files/' ~ node.meta.dataset ~ '/' ~ node.meta.format -%}
  {%- set option_list = [] -%}
  {%- for k, v in options.items() -%}{%- do option_list.append(k ~ ' ' ~ sql_literal(v)) -%}{%- endfor -%}
  {{ return([
      "drop table if exists " ~ csv_table,
      "create table " ~ csv_table ~ " (" ~ columns | join(', ') ~ ") using csv options (path "
        ~ sql_literal(folder) ~ ", pathGlobFilter '*.csv', " ~ option_list | join(', ') ~ ")"]) }}
{%- endmacro %}

{% macro spark_datetime_pattern(text) -%}
  {#- A strftime pattern (DuckDB's dateformat / timestampformat) as Spark's datetime pattern; other text as it is.
      Single letters where DuckDB accepts one or two digits (`%m` reads `1` and `01`, as `M` does). -#}
  {%- if '%' not in text -%}{{ return(text) }}{%- endif -%}
  {%- set map = {'%Y': 'yyyy', '%m': 'M', '%d': 'd', '%H': 'H', '%M': 'm', '%S': 's', '%I': 'h', '%p': 'a'} -%}
  {%- set out = namespace(text=text) -%}
  {%- for k, v in map.items() -%}{%- set out.text = out.text.replace(k, v) -%}{%- endfor -%}
  {{ return(out.text) }}
{%- endmacro %}

{% macro spark__declared_type(duckdb_type) -%}
  {#- A declared (DuckDB) column type as Spark's: VARCHAR -> string; TIMESTAMP stays (the Spark profile makes
      `timestamp` mean TIMESTAMP_NTZ, as DuckDB's); TIMESTAMPTZ -> timestamp_ltz; the rest is the same name. -#}
  {%- set t = duckdb_type | upper -%}
  {{ return({'VARCHAR': 'string', 'TIMESTAMPTZ': 'timestamp_ltz'}.get(t, t | lower)) }}
{%- endmacro %}

{% macro spark__record_run_start() %}
  {#- The run history (monitoring.run_history) is kept in the DuckDB warehouse only. -#}
  {{ return('select 1') }}
{% endmacro %}

{% macro spark__record_run_end(results) %}
  {{ return('select 1') }}
{% endmacro %}

{% macro spark__write_reports(results) %}
  {#- gaps.md, quality.md and quality_report.html are written by DuckDB builds only. -#}
  {{ return('select 1') }}
{% endmacro %}

{% macro spark__record_verified(results) %}
  {#- Spark builds rewrite what they build (no day-level export state): nothing to mark. -#}
  {{ return('select 1') }}
{% endmacro %}
