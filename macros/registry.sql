{#-
  The registry of ISOs and datasets, as dbt reads it: seeds `isos` (time zone, time convention, CLI name, dbt tag)
  and `datasets` (grain, key and value columns, Stage 4 role); Python reads the same CSVs (ingest/catalog.py). And
  the one way to ask a node which ISO, stage and dataset it belongs to (node_meta): folder-level `+meta` in
  dbt_project.yml gives the ISO and the stage, the model's own `meta` its dataset.
-#}

{% macro registry_rows(seed_name) -%}
  {#- Every row of a registry seed as a list of dicts (none while parsing): the seed's table, or its CSV file while
      the seed is not built yet. A model, test or materialization that calls this depends on the seed (the ref is
      recorded while parsing), so a build creates the seed first. -#}
  {%- if not execute -%}
    {%- if model is defined and ref is defined -%}{%- do ref(seed_name) -%}{%- endif -%}
    {{ return(none) }}
  {%- endif -%}
  {%- set seed = (graph.get('nodes') or {}).get('seed.' ~ project_name ~ '.' ~ seed_name) -%}
  {%- if seed -%}
    {%- set relation = adapter.get_relation(database=seed.database, schema=seed.schema, identifier=seed.alias) -%}
    {%- if relation is none -%}
      {#- not built yet (dbt compile or docs before the first `dbt seed` / `dbt build`): the same CSV file -#}
      {%- set relation = adapter.dispatch('seed_file_relation')(seed) -%}
    {%- endif -%}
  {%- else -%}
    {#- a dbt unit test is compiled against a manifest of its fixtures only (`graph` is empty): the seed as built,
        in the seeds' schema of dbt_project.yml (`+schema: seeds`) -#}
    {%- set relation = adapter.get_relation(database=target.database, schema=generate_schema_name('seeds', none), identifier=seed_name) -%}
  {%- endif -%}
  {%- if relation is none -%}
    {{ exceptions.raise_compiler_error("the registry seed `" ~ seed_name ~ "` is not in the warehouse yet: run `dbt seed` (or `dbt build`, which builds it first)") }}
  {%- endif -%}
  {%- set table = run_query("select * from " ~ relation) -%}
  {%- set rows = [] -%}
  {%- for r in table.rows -%}{%- do rows.append(dict(zip(table.column_names, r))) -%}{%- endfor -%}
  {{ return(rows) }}
{%- endmacro %}

{% macro invocation_memo() -%}
  {#- A dict shared by every node of this dbt invocation (kept in the `graph` context object, which all nodes
      share), for values that cannot change during a build and cost a query or a pass over every node to compute
      (dst_transitions, project_isos). -#}
  {%- if graph is not mapping -%}{{ return({}) }}{%- endif -%}
  {{ return(graph.setdefault('iso_pipeline_invocation_memo', {})) }}
{%- endmacro %}

{% macro iso_setting(iso, column) -%}
  {#- One registry value of an ISO (seed `isos`), e.g. iso_setting('ERCOT', 'timezone'); a compile error for an ISO
      the registry does not have. 'UTC' for `timezone` while parsing (the SQL is not run then). -#}
  {%- set rows = registry_rows('isos') -%}
  {%- if rows is none -%}{{ return('UTC' if column == 'timezone' else none) }}{%- endif -%}
  {%- for r in rows if r.iso == iso | upper -%}{{ return(r[column]) }}{%- endfor -%}
  {{ exceptions.raise_compiler_error("ISO " ~ iso ~ " is not in the registry: add a row to seeds/isos.csv") }}
{%- endmacro %}

{% macro iso_timezone(iso) -%}
  {#- The ISO's prevailing local time zone (seed `isos`). -#}
  {{ return(iso_setting(iso, 'timezone')) }}
{%- endmacro %}

{% macro registered_isos() -%}
  {#- Every ISO of the registry, in the seed's order (none while parsing). -#}
  {%- set rows = registry_rows('isos') -%}
  {%- if rows is none -%}{{ return(none) }}{%- endif -%}
  {{ return(rows | map(attribute='iso') | list) }}
{%- endmacro %}

{% macro node_meta(node) -%}
  {#- {iso, stage, dataset} of a node. Models: folder-level +meta (iso, stage) merged with the model's meta
      (dataset); sources: the source table's meta; a data test: the node it tests. A node without a stage in its
      meta (a seed, a source) has its resource type as stage. -#}
  {%- if node is none -%}{{ return({'iso': none, 'stage': none, 'dataset': none}) }}{%- endif -%}
  {%- if node.resource_type in ('test', 'unit_test') -%}
    {%- set owner = tested_node(node) -%}
    {%- if owner is not none -%}{{ return(node_meta(owner)) }}{%- endif -%}
  {%- endif -%}
  {%- set meta = {} -%}
  {%- if node.config is defined and node.config and node.config.meta -%}{%- do meta.update(node.config.meta) -%}{%- endif -%}
  {%- if node.meta is defined and node.meta -%}{%- do meta.update(node.meta) -%}{%- endif -%}
  {%- if not meta.get('dataset') and node.depends_on is defined -%}
    {#- a staging model: the dataset of the source it reads -#}
    {%- for uid in node.depends_on.nodes if uid.startswith('source.') and graph.sources.get(uid) -%}
      {%- do meta.update({'dataset': graph.sources[uid].meta.get('dataset')}) -%}
    {%- endfor -%}
  {%- endif -%}
  {%- set stage = meta.get('stage') or node.resource_type -%}
  {{ return({'iso': (meta.get('iso') or none) and meta.get('iso') | upper, 'stage': stage, 'dataset': meta.get('dataset')}) }}
{%- endmacro %}

{% macro tested_node(node) -%}
  {#- The model (or source) a data test is attached to. -#}
  {%- set uid = node.attached_node if node.attached_node is defined and node.attached_node else
               node.tested_node_unique_id if node.tested_node_unique_id is defined and node.tested_node_unique_id else
               (node.depends_on.nodes[0] if node.depends_on.nodes | length > 0 else none) -%}
  {%- if uid is none -%}{{ return(none) }}{%- endif -%}
  {{ return(graph.nodes.get(uid) or graph.sources.get(uid)) }}
{%- endmacro %}

{% macro show_registry() -%}
  {#- `dbt run-operation show_registry`: the ISOs as dbt reads them from seed `isos` (the same file Python reads). -#}
  {%- for iso in registered_isos() -%}
    {%- do print(iso ~ ' ' ~ iso_timezone(iso) ~ ' ' ~ iso_setting(iso, 'time_convention') ~ ' tag:' ~ iso_setting(iso, 'dbt_tag')) -%}
  {%- endfor -%}
{%- endmacro %}

{% macro default__seed_file_relation(seed) -%}
  {#- A registry seed not built yet, read from its CSV file (DuckDB). -#}
  {{ return("read_csv(" ~ sql_literal(seed.root_path ~ '/' ~ seed.original_file_path) ~ ", header = true)") }}
{%- endmacro %}
