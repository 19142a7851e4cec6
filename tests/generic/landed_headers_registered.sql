{% test landed_headers_registered(model, iso) %}
{#- Every landed file's header is one registered in seed iso_reports for its format (schema as registered).
    Failing rows: iso, format, file, header. -#}
with registered as (
    select format, lower(replace(header, ' ', '')) as header from {{ ref('iso_reports') }} where iso = '{{ iso }}'
)

select m.iso, m.format, m.path as source_file, m.header
from {{ model }} as m
where m.iso = '{{ iso }}'
  and not exists (
      select 1 from registered as r
      where r.format = m.format and r.header = lower(replace(m.header, ' ', ''))
  )
{% endtest %}
