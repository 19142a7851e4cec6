{#-
  Which years a Spark build of a parquet_partitions model rewrites, and why (spark_write_plan), from state kept in
  the table's own properties (TBLPROPERTIES, so it lives and dies with the table, on any metastore):
    iso.built_at         when the model was last written (dbt's run_started_at, ISO 8601)
    iso.full_at          when it was last written whole
    iso.written.YYYY     when its partition year=YYYY was last written
    iso.watermark        changed_from: the newest `_loaded_at` of the upstream model when it was last written
    iso.upstream_seen    days_from: the newest iso.written.* of the upstream model when it was last written
  The year partitions are the unit (DuckDB's day plans and export log, day_plan.sql, are DuckDB's).
-#}

{% macro spark_table_properties(relation) -%}
  {#- The `iso.*` TBLPROPERTIES of a table, as a dict (empty for none or a view; a ref() has no type: asked). -#}
  {%- set props = {} -%}
  {%- if relation is none or relation.type not in (none, 'table') -%}{{ return(props) }}{%- endif -%}
  {%- for r in run_query('show tblproperties ' ~ relation).rows if r[0].startswith('iso.') -%}
    {%- do props.update({r[0]: r[1]}) -%}
  {%- endfor -%}
  {{ return(props) }}
{%- endmacro %}

{% macro spark_written_years(props) -%}
  {#- {year: when it was last written} from a table's properties (spark_table_properties). -#}
  {%- set years = {} -%}
  {%- for k, v in props.items() if k.startswith('iso.written.') -%}
    {%- do years.update({k[12:] | int: v}) -%}
  {%- endfor -%}
  {{ return(years) }}
{%- endmacro %}

{% macro spark_described_columns(relation) -%}
  {#- [(name, type)] of a relation or view, in order, partition columns once (Spark's describe lists them twice). -#}
  {%- set cols = [] -%}
  {%- for r in run_query('describe ' ~ relation).rows -%}
    {%- if r[0] | trim == '' or r[0].startswith('#') -%}{%- break -%}{%- endif -%}
    {%- do cols.append((r[0], r[1])) -%}
  {%- endfor -%}
  {{ return(cols) }}
{%- endmacro %}

{% macro spark_upstreams(node, model_config, partition_by) -%}
  {#- The parquet models a Spark parquet_partitions model follows year by year: its `days_from` model, or, for a
      model partitioned by year first without changed_from / days_from (Stage 4), every parquet_partitions model it
      reads. Empty: none (the model is written whole). -#}
  {%- set found = [] -%}
  {%- if model_config.get('days_from') -%}
    {%- do found.append(ref(model_config.get('days_from'))) -%}
  {%- elif not model_config.get('changed_from') and partition_by[:1] == ['year'] -%}
    {%- for uid in node.depends_on.nodes if uid.startswith('model.')
                                           and graph.nodes[uid].config.materialized == 'parquet_partitions' -%}
      {%- do found.append(ref(graph.nodes[uid].name)) -%}
    {%- endfor -%}
  {%- endif -%}
  {{ return(found) }}
{%- endmacro %}

{% macro spark_write_plan(node, model_config, existing, columns, partition_by, full_refresh) -%}
  {#-
    What a Spark build of a parquet_partitions model writes: {'full': bool, 'years': [YYYY, ...] (incremental),
    'why': [sentences], 'properties': {the iso.* properties to set after writing, except iso.written.*}}.
    `columns` are the model's [(name, type)] without `_day`, partition columns last (the table's order).
    Written whole: a first build, --full-refresh, a model not partitioned by year first or following no parquet
    model (FULL_DATASET), a table or upstream without the state properties (an older build), changed columns or
    types, an upstream written whole since, or a fill rule reaching further than a year.
    Otherwise only these year partitions are rewritten (each with its months, for year/month partitions):
      changed_from   the years of the upstream rows loaded after iso.watermark (exact: `year` is a column of both);
      otherwise      the years its upstreams (spark_upstreams) rewrote after iso.upstream_seen, each with the year
                     after it if an upstream has one (the fill rule, the complete time index and the hour joins can
                     carry a change across New Year) and, for a year new to this model, the year before it (its
                     trailing gaps now lead somewhere).
  -#}
  {%- set changed_from = model_config.get('changed_from') -%}
  {%- set upstreams = spark_upstreams(node, model_config, partition_by) -%}
  {%- set why = [] -%}
  {%- set props = {'iso.built_at': run_started_at.isoformat()} -%}
  {%- set up = namespace(years={}, full='', missing=[]) -%}
  {%- for rel in upstreams -%}
    {%- set p = spark_table_properties(rel) -%}
    {%- if 'iso.built_at' not in p -%}{%- do up.missing.append(rel.identifier) -%}{%- endif -%}
    {%- set up.full = [up.full, p.get('iso.full_at', '')] | max -%}
    {%- for y, ts in spark_written_years(p).items() -%}
      {%- do up.years.update({y: [ts, up.years.get(y, '')] | max}) -%}
    {%- endfor -%}
  {%- endfor -%}
  {%- if changed_from -%}
    {%- set upstream = ref(changed_from) -%}
    {%- do props.update({'iso.watermark': run_query('select cast(max(_loaded_at) as string) from ' ~ upstream).rows[0][0] or ''}) -%}
  {%- elif upstreams -%}
    {%- do props.update({'iso.upstream_seen': (up.years.values() | list + ['']) | max}) -%}
  {%- endif -%}
  {%- set mine = spark_table_properties(existing) -%}

  {%- if full_refresh -%}
    {%- do why.append('--full-refresh') -%}
  {%- elif existing is none -%}
    {%- do why.append('first build (no table in the warehouse)') -%}
  {%- elif partition_by[:1] != ['year'] or not (changed_from or upstreams) -%}
    {%- do why.append('written whole on every build (not partitioned by year, or following no parquet model)') -%}
  {%- elif 'iso.built_at' not in mine -%}
    {%- do why.append('the table has no iso.* state properties (built by an earlier version)') -%}
  {%- elif up.missing -%}
    {%- do why.append('no iso.* state properties on ' ~ up.missing | join(', ')) -%}
  {%- elif spark_described_columns(existing) | map('join', ' ') | map('lower') | list
           != columns | map('join', ' ') | map('lower') | list -%}
    {%- do why.append('the columns or their types changed') -%}
  {%- elif changed_from and not mine.get('iso.watermark') -%}
    {%- do why.append('no watermark recorded (the upstream had no rows)') -%}
  {%- elif upstreams and up.full > mine.get('iso.upstream_seen', '') -%}
    {%- do why.append('an upstream model was written whole (' ~ up.full ~ ') after this model') -%}
  {%- elif upstreams and fill_margin_days() > 365 -%}
    {%- do why.append('the fill rule reaches further than a year (var ffill_max_gap_minutes)') -%}
  {%- endif -%}
  {%- if why -%}
    {%- do props.update({'iso.full_at': props['iso.built_at']}) -%}
    {{ return({'full': true, 'years': [], 'why': why, 'properties': props}) }}
  {%- endif -%}

  {%- set years = [] -%}
  {%- if changed_from -%}
    {%- for y in query_list('select distinct year from ' ~ upstream ~ ' where _loaded_at > cast('
                            ~ sql_literal(mine['iso.watermark']) ~ ' as timestamp) order by 1') -%}
      {%- do years.append(y | int) -%}
    {%- endfor -%}
    {%- do why.append((years | length ~ ' year(s) received rows in ' ~ upstream.identifier ~ ' loaded after '
                       ~ mine['iso.watermark']) if years else 'nothing new: no rows loaded into '
                       ~ upstream.identifier ~ ' after ' ~ mine['iso.watermark']) -%}
  {%- else -%}
    {%- set have = spark_written_years(mine) -%}
    {%- set rewritten = up.years | dictsort | selectattr(1, 'gt', mine.get('iso.upstream_seen', '')) | map(attribute=0) | list -%}
    {%- for y in rewritten -%}
      {%- for near in [y, y + 1] + ([y - 1] if y not in have else []) -%}
        {%- if near in up.years and near not in years -%}{%- do years.append(near) -%}{%- endif -%}
      {%- endfor -%}
    {%- endfor -%}
    {%- set names = upstreams | map(attribute='identifier') | join(', ') -%}
    {%- do why.append((names ~ ' rewrote ' ~ rewritten | join(', ') ~ ' since this model was written: with the '
                       ~ 'neighbouring years the change can reach, ' ~ years | sort | join(', ')) if rewritten
                      else 'nothing new: ' ~ names ~ ' rewrote no year since this model was written') -%}
  {%- endif -%}
  {{ return({'full': false, 'years': years | sort, 'why': why, 'properties': props}) }}
{%- endmacro %}
