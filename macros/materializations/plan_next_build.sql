{#-
  `dbt run-operation plan_next_build [--args '{select: <model name or tag:<tag>, or a list>, full_refresh: true}']`:
  what the next `dbt build` of the parquet_partitions models rewrites (days, months, files) and why, without
  writing anything. It asks export_plan (day_plan.sql), the rule the materialization runs, with what the build does
  before each model: the landed files an intermediate model has not appended yet (their days), and for a Stage 3
  model the plan of its Stage 2 model.
-#}

{% macro plan_next_build(select=none, full_refresh=false) -%}
  {#- Prints, per selected parquet_partitions model (default: all of them), the plan of its next export. -#}
  {%- if not execute -%}{{ return('') }}{%- endif -%}
  {%- set wanted = [select] if select is string else (select or []) -%}
  {%- set stages = {'changed_from': [], 'days_from': [], 'whole': []} -%}
  {%- for node in graph.nodes.values() | sort(attribute='name')
        if node.resource_type == 'model' and node.config.materialized == 'parquet_partitions' and node.config.enabled -%}
    {%- if node_selected(node, wanted) -%}
      {%- set kind = 'changed_from' if node.config.get('changed_from') else ('days_from' if node.config.get('days_from') else 'whole') -%}
      {%- do stages[kind].append(node) -%}
    {%- endif -%}
  {%- endfor -%}
  {%- set plans = {} -%}
  {%- set lines = [] -%}
  {%- for node in stages['changed_from'] + stages['days_from'] -%}
    {%- set plan = next_export_plan(node, plans, full_refresh) -%}
    {%- do lines.append(node.schema ~ '.' ~ node.alias ~ ' (model ' ~ node.name ~ ', one file per ' ~ plan.unit ~ ' in '
                        ~ node.config.get('location') ~ ')') -%}
    {%- do lines.append('  rewrites: ' ~ planned_files_text(plan)) -%}
    {%- for why in plan.why -%}{%- do lines.append('  why: ' ~ why) -%}{%- endfor -%}
  {%- endfor -%}
  {%- if stages['whole'] -%}
    {%- do lines.append('written whole when their inputs or files changed since their last build (no changed_from / days_from; else kept, see unless_inputs_changed): '
                        ~ stages['whole'] | map(attribute='alias') | join(', ')) -%}
  {%- endif -%}
  {%- do print(lines | join('\n') if lines else 'no parquet_partitions model selected') -%}
{%- endmacro %}

{% macro node_selected(node, wanted) -%}
  {#- Whether a graph node is among `wanted` (model names and tag:<tag>); everything when `wanted` is empty. -#}
  {%- if not wanted -%}{{ return(true) }}{%- endif -%}
  {%- for w in wanted if w == node.name or (w.startswith('tag:') and w[4:] in node.tags) -%}{{ return(true) }}{%- endfor -%}
  {{ return(false) }}
{%- endmacro %}

{% macro next_export_plan(node, plans, full_refresh) -%}
  {#- export_plan of a graph node for the next build (memoised in `plans`, by unique_id): its SQL rendered now,
      with what the build does upstream first. -#}
  {%- if node.unique_id in plans -%}{{ return(plans[node.unique_id]) }}{%- endif -%}
  {%- set model = api.Relation.create(database=node.database, schema=node.schema, identifier=node.alias) -%}
  {%- set existing = adapter.get_relation(database=node.database, schema=node.schema, identifier=node.alias) -%}
  {%- set upstream_name = node.config.get('changed_from') or node.config.get('days_from') -%}
  {%- set upstream = graph.nodes.get('model.' ~ node.package_name ~ '.' ~ upstream_name) -%}
  {%- set upstream_built = upstream is not none and adapter.get_relation(database=upstream.database, schema=upstream.schema,
                                                                          identifier=upstream.alias) is not none -%}
  {%- if not upstream_built -%}
    {%- set plan = {'unit': node.config.get('file_unit', 'day'), 'full': true, 'days': none, 'watermark': none,
                    'why': ['first build: ' ~ upstream_name ~ ' is not built yet (its days are known once it is)']} -%}
  {%- else -%}
    {%- if node.config.get('changed_from') -%}
      {%- set upcoming = {'landed_days': days_in_unappended_files(upstream)} -%}
    {%- else -%}
      {%- set upcoming = {'upstream_plan': next_export_plan(upstream, plans, full_refresh)} -%}
    {%- endif -%}
    {%- set sql = render(node.raw_code) if existing is not none else none -%}
    {%- set plan = export_plan(model, node.config, sql, existing, full_refresh, upcoming) -%}
  {%- endif -%}
  {%- do plans.update({node.unique_id: plan}) -%}
  {{ return(plan) }}
{%- endmacro %}

{% macro days_in_unappended_files(node) -%}
  {#- The local days of the rows the next build appends to an intermediate model (`node`, appended file by file:
      landed_rows): the days in its staging models' rows from the landed files it does not hold yet, read through
      the staging views with each source pointed at just those files (variables iso_files_<format>, as the
      intermediate models' pre-hook landed_files_variables does). -#}
  {%- set relation = api.Relation.create(database=node.database, schema=node.schema, identifier=node.alias) -%}
  {%- set days = [] -%}
  {%- for staging_id in node.depends_on.nodes if staging_id.startswith('model.') -%}
    {%- set staging = graph.nodes[staging_id] -%}
    {%- set files = [] -%}
    {%- set formats = [] -%}
    {%- for source_id in staging.depends_on.nodes if source_id in graph.sources -%}
      {%- set meta = graph.sources[source_id].meta -%}
      {%- if meta.get('format') and meta.get('iso') -%}
        {%- set new = query_list("select " ~ sql_literal(iso_root(meta.iso) ~ '/') ~ " || path from landing.landed_files"
                                 ~ " where iso = " ~ sql_literal(meta.iso) ~ " and format = " ~ sql_literal(meta.format)
                                 ~ " and path not in (" ~ loaded_file_paths(relation) ~ ") order by 1") -%}
        {%- if new -%}
          {%- do files.extend(new) -%}
          {%- do formats.append(meta.format) -%}
          {%- do run_query("set variable iso_files_" ~ meta.format ~ " = " ~ sql_literal_list(new)) -%}
        {%- endif -%}
      {%- endif -%}
    {%- endfor -%}
    {%- if files -%}
      {%- set staging_relation = api.Relation.create(database=staging.database, schema=staging.schema, identifier=staging.alias) -%}
      {%- do days.extend(query_list("select distinct cast(datetime_local as date)::varchar from " ~ staging_relation
                                    ~ " where source_file in (" ~ sql_literal_list(files, brackets=false) ~ ")")) -%}
      {%- for f in formats -%}{%- do run_query("reset variable iso_files_" ~ f) -%}{%- endfor -%}
    {%- endif -%}
  {%- endfor -%}
  {{ return(days | unique | sort) }}
{%- endmacro %}

{% macro day_ranges(days) -%}
  {#- Days (YYYY-MM-DD) as consecutive ranges: '2025-01-01..2025-01-03, 2025-01-07'. -#}
  {%- if not days -%}{{ return('') }}{%- endif -%}
  {%- set sql -%}
    select string_agg(case when first_day = last_day then first_day::varchar else first_day || '..' || last_day end, ', '
                      order by first_day)
    from (
        select min(day) as first_day, max(day) as last_day
        from (select day, day - cast(row_number() over (order by day) as integer) as run from unnest([{{ sql_date_list(days) }}]) as t(day))
        group by run
    )
  {%- endset -%}
  {{ return(query_list(sql)[0]) }}
{%- endmacro %}

{% macro planned_files_text(plan) -%}
  {#- One line: the days, months and files a plan rewrites. -#}
  {%- if plan.days is none -%}{{ return('everything (a full export of every day)') }}{%- endif -%}
  {%- if not plan.days -%}{{ return('everything: no day, an empty folder' if plan.full else 'nothing') }}{%- endif -%}
  {%- set files = day_file_names(plan.unit, plan.days) -%}
  {%- set text = ('everything (a full export): ' if plan.full else '') ~ plan.days | length ~ ' day(s) (' ~ day_ranges(plan.days) ~ ')' -%}
  {%- if plan.unit == 'month' -%}
    {%- set months = [] -%}
    {%- for d in plan.days if d[:7] not in months -%}{%- do months.append(d[:7]) -%}{%- endfor -%}
    {%- set text = text ~ ' in ' ~ months | length ~ ' month(s) (' ~ months | join(', ') ~ ')' -%}
  {%- endif -%}
  {%- set shown = files | join(', ') if files | length <= 6 else (files[:3] | join(', ') ~ ', ..., ' ~ files[-1]) -%}
  {{ return(text ~ ' -> ' ~ files | length ~ ' file(s): ' ~ shown) }}
{%- endmacro %}
