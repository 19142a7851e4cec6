{% test row_count_matches(model, compare_model, datetime_column='datetime') %}
{#- Join integrity: `model` has exactly one row per interval of `compare_model` (nothing lost or duplicated by a
    join). Failing rows: datetime and how many rows each side has there. -#}
{%- set body %}
with a as (select {{ datetime_column }} as datetime, count(*) as n from {{ model }} group by 1),
b as (select {{ datetime_column }} as datetime, count(*) as n from {{ compare_model }} group by 1)

select coalesce(a.datetime, b.datetime) as datetime, a.n as model_rows, b.n as compare_rows
from a full outer join b on a.datetime = b.datetime
where a.n is distinct from b.n or a.n <> 1
{% endset %}
{#- skipped while its inputs are those of its last pass (macro unless_inputs_changed) -#}
{{ unless_inputs_changed(body, 'test') }}
{% endtest %}
