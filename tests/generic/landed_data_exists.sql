{% test landed_data_exists(model, iso) %}
{#- A selected ISO with no landed file at all: one failing row saying so (severity warn), so an empty data directory
    never reads as an all-green build. `model` is the landing registry (source landing.landed_files). -#}
select
    {{ sql_literal(iso) }} as iso,
    {{ sql_literal('no landed data for ' ~ iso ~ ': nothing was built or checked; land files first (iso-pipeline land '
                   ~ iso | lower ~ ' PATH)') }} as problem
where not exists (select 1 from {{ model }} where iso = {{ sql_literal(iso) }})
{% endtest %}
