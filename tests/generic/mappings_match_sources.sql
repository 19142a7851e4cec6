{#-
  Seed iso_column_mappings is the spec's ISO_MAPPINGS + schema overrides: for each ISO report format, which source
  column becomes which standard column, with which type. Two tests keep it true. Failing rows: iso, format,
  column, problem.

  mappings_match_sources (on the seed): every row names a format some source table declares, a column that source
  declares, with the declared (read) type, and a staging model reads that source.
  mappings_match_staging (on each staging model, so it runs after the view exists and with `--select tag:<iso>`):
  every row of the formats the model reads names a standard column the model produces.
-#}

{% test mappings_match_sources(model) %}
  {%- set problems = [] -%}
  {%- if execute -%}
    {#- the sources by (iso, format) and the sources some model reads, looked up once: a loop over every source and
        node for each of the seed's rows took 1.6 s of dbt's single Python thread on every build -#}
    {%- set by_format = {} -%}
    {%- for node in graph.sources.values() if node.meta.get('format') -%}
      {%- do by_format.update({node.meta.get('iso') ~ '|' ~ node.meta.get('format'): node}) -%}
    {%- endfor -%}
    {%- set read = {} -%}
    {%- for node in graph.nodes.values() if node.resource_type == 'model' -%}
      {%- for uid in node.depends_on.nodes if uid.startswith('source.') -%}{%- do read.update({uid: true}) -%}{%- endfor -%}
    {%- endfor -%}
    {%- set rows = run_query("select iso, format, source_column, upper(data_type) from " ~ model ~ " order by all").rows -%}
    {%- for iso, format, source_column, data_type in rows -%}
      {%- set source = by_format.get(iso ~ '|' ~ format) -%}
      {%- if source is none -%}
        {%- do problems.append((iso, format, source_column, 'no source table declares this format')) -%}
      {%- else -%}
        {%- set declared = source.columns.get(source_column) -%}
        {%- if declared is none -%}
          {%- do problems.append((iso, format, source_column, 'the source does not declare this column')) -%}
        {%- elif (declared.data_type or '') | upper != data_type -%}
          {%- do problems.append((iso, format, source_column, 'declared ' ~ declared.data_type ~ ', seed says ' ~ data_type)) -%}
        {%- endif -%}
        {%- if source.unique_id not in read -%}
          {%- do problems.append((iso, format, source_column, 'no staging model reads this source')) -%}
        {%- endif -%}
      {%- endif -%}
    {%- endfor -%}
  {%- endif -%}
  {{ mapping_problems_sql(problems) }}
{% endtest %}
