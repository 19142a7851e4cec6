{% macro landed_at_query() -%}
  {#-
    `loaded_at_query` of every landed-CSV source (`dbt source freshness`): when the newest file of the source's
    format landed, from the landing registry (the sources themselves are read_csv() over files, which have no
    load-time column). Thresholds are per table in the sources YAML (`config: freshness:`), after the
    publication cadence of the report. A format that was never landed counts as fresh: nothing of it is
    expected yet (`iso-pipeline status` lists it as "never landed").
  -#}
  select coalesce(max(landed_at), now())
  from landing.landed_files
  where iso = '{{ model.meta.iso }}' and format = '{{ model.meta.format }}'
{%- endmacro %}
