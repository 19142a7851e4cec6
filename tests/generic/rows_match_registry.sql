{% test rows_match_registry(model, iso, formats, count_expression='count(*)') %}
{#- Row count preservation, landed CSV -> warehouse: for every landed file of these formats, the registry's data
    rows (counted at landing) equal the rows that reached `model` from that file. Catches a file read as 0 rows,
    a dropped row, and a registered file never loaded. `count_expression` adapts wide formats (one CSV row ->
    several long rows: count(distinct datetime)). Failing rows: iso, dataset, file, landed and loaded rows. -#}
{#- Tagged with its ISO (the registry's dbt_tag is the ISO's name in lower case; tests/python/test_registry.py checks
    every test runs in some `tag:<iso>` build): besides the ISO's model the test reads the landing registry, which no
    ISO's tag selects, so under `indirect_selection: cautious` it would run only in an unselected `dbt build`. -#}
{#- After a complete passing test run (verified_rows_window) only what came since is compared: the files landed after
    it (landing_seq) against the rows loaded after it (_loaded_at), so a build with nothing new reads no history. A
    rebuilt model, and every Spark build, is compared whole. -#}
{{ config(tags=[iso | lower]) }}
{%- set window = verified_rows_window(model) %}
with landed as (
    select dataset, path, rows from {{ source('landing', 'landed_files') }}
    where iso = '{{ iso }}' and format in ('{{ formats | join("', '") }}')
    {%- if window %}
      and coalesce(landing_seq, 0) > {{ window.landing_seq_through }}
    {%- endif %}
),

loaded as (
    -- source_file is csv_files/<dataset>/<format>/<name>
    select source_file, {{ count_expression }} as rows
    from {{ model }}
    where split_part(source_file, '/', 3) in ('{{ formats | join("', '") }}')
    {%- if window %}
      and _loaded_at > {{ sql_literal(window.loaded_through) }}::timestamptz
    {%- endif %}
    group by source_file
)

select
    '{{ iso }}' as iso,
    coalesce(l.dataset, '?') as dataset,
    coalesce(l.path, d.source_file) as source_file,
    l.rows as landed_rows,
    coalesce(d.rows, 0) as loaded_rows
from landed as l
full outer join loaded as d on d.source_file = l.path
where l.rows is distinct from d.rows
{% endtest %}
