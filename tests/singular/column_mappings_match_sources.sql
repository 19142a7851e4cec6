{{ config(tags=['ercot', 'caiso', 'pjm'], severity='error') }}

{#- It reads the staging views' columns, so it runs after them: without these, `dbt build` could run it while a
    staging view was being (re)created by another thread and report columns missing (seen on a 2-thread build).
    A new staging model gets a line here. -#}
-- depends_on: {{ ref('stg_ercot__dam_spp') }} {{ ref('stg_ercot__dam_hub_zone_spp_hist') }} {{ ref('stg_ercot__sced_lmp') }}
-- depends_on: {{ ref('stg_ercot__rtm_spp') }} {{ ref('stg_ercot__rtm_hub_zone_spp_hist') }}
-- depends_on: {{ ref('stg_ercot__dam_as_mcpc') }} {{ ref('stg_ercot__dam_as_mcpc_hist') }}
-- depends_on: {{ ref('stg_caiso__prc_lmp') }} {{ ref('stg_caiso__prc_rtpd_lmp') }} {{ ref('stg_caiso__prc_intvl_lmp') }}
-- depends_on: {{ ref('stg_caiso__prc_as') }}
-- depends_on: {{ ref('stg_pjm__da_hrl_lmps') }} {{ ref('stg_pjm__rt_fivemin_hrl_lmps') }} {{ ref('stg_pjm__rt_hrl_lmps') }}
-- depends_on: {{ ref('stg_pjm__da_reserve_market_results') }}

{#-
  Seed iso_column_mappings is the spec's ISO_MAPPINGS + schema overrides: for each ISO report format, which source
  column becomes which standard column, with which type. This test keeps it true: every row must name a column the
  source declares, with the declared type, and a standard column the format's staging model produces.
  Failing rows: iso, format, column, problem.
-#}
{%- set mappings_seed = ref('iso_column_mappings') -%}
{%- set problems = [] -%}
{%- if execute -%}
  {%- set mappings = run_query("select iso, format, source_column, standard_column, upper(data_type) from "
                               ~ mappings_seed ~ " order by all").rows -%}
  {%- for iso, format, source_column, standard_column, data_type in mappings -%}
    {%- set ns = namespace(source=none, staging=none) -%}
    {%- for node in graph.sources.values() -%}
      {%- if node.meta.get('iso') == iso and node.meta.get('format') == format -%}{%- set ns.source = node -%}{%- endif -%}
    {%- endfor -%}
    {%- if ns.source is none -%}
      {%- do problems.append((iso, format, source_column, 'no source table declares this format')) -%}
    {%- else -%}
      {%- set declared = ns.source.columns.get(source_column) -%}
      {%- if declared is none -%}
        {%- do problems.append((iso, format, source_column, 'the source does not declare this column')) -%}
      {%- elif (declared.data_type or '') | upper != data_type -%}
        {%- do problems.append((iso, format, source_column, 'declared ' ~ declared.data_type ~ ', seed says ' ~ data_type)) -%}
      {%- endif -%}
      {%- for node in graph.nodes.values() -%}
        {%- if node.resource_type == 'model' and node.name.startswith('stg_') and ns.source.unique_id in node.depends_on.nodes -%}
          {%- set ns.staging = node -%}
        {%- endif -%}
      {%- endfor -%}
      {%- if ns.staging is none -%}
        {%- do problems.append((iso, format, source_column, 'no staging model reads this source')) -%}
      {%- else -%}
        {%- set rel = adapter.get_relation(database=ns.staging.database, schema=ns.staging.schema, identifier=ns.staging.alias) -%}
        {%- if rel is not none -%}
          {%- set produced = adapter.get_columns_in_relation(rel) | map(attribute='name') | list -%}
          {%- if standard_column not in produced -%}
            {%- do problems.append((iso, format, standard_column, 'staging model ' ~ ns.staging.name ~ ' has no such column')) -%}
          {%- endif -%}
        {%- endif -%}
      {%- endif -%}
    {%- endif -%}
  {%- endfor -%}
{%- endif %}

{% if problems | length == 0 -%}
select null::varchar as iso, null::varchar as format, null::varchar as column_name, null::varchar as problem
where false
{%- else -%}
select * from (values
  {%- for p in problems %}
  ('{{ p[0] }}', '{{ p[1] }}', '{{ p[2] | replace("'", "''") }}', '{{ p[3] | replace("'", "''") }}'){{ ',' if not loop.last }}
  {%- endfor %}
) as t(iso, format, column_name, problem)
{%- endif %}
