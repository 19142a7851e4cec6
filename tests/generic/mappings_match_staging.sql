{#- See mappings_match_sources.sql: the second of the two column-mapping tests. -#}

{% test mappings_match_staging(model) %}
  {%- set mappings_seed = ref('iso_column_mappings') -%}
  {%- set problems = [] -%}
  {%- if execute -%}
    {%- set ns = namespace(node=none) -%}
    {%- for node in graph.nodes.values() if node.resource_type == 'model' and node.alias == model.identifier and node.schema == model.schema -%}
      {%- set ns.node = node -%}
    {%- endfor -%}
    {%- set produced = adapter.get_columns_in_relation(model) | map(attribute='name') | list -%}
    {%- for uid in ns.node.depends_on.nodes if uid in graph.sources and graph.sources[uid].meta.get('format') -%}
      {%- set src = graph.sources[uid] -%}
      {%- set rows = run_query("select standard_column from " ~ mappings_seed ~ " where iso = " ~ sql_literal(src.meta.iso)
                               ~ " and format = " ~ sql_literal(src.meta.format) ~ " order by all").rows -%}
      {%- for (standard_column,) in rows if standard_column not in produced -%}
        {%- do problems.append((src.meta.iso, src.meta.format, standard_column, 'staging model ' ~ ns.node.name ~ ' has no such column')) -%}
      {%- endfor -%}
    {%- endfor -%}
  {%- endif -%}
  {{ mapping_problems_sql(problems) }}
{% endtest %}
