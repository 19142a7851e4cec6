{% test values_in_range(model, column_name, iso, market, type_column=none, local_column=none) %}
{#- Prices within the bounds of seed price_bounds for (iso, market, settlement type): offer caps and floors
    published by each ISO (sources in the seed). Failing rows: iso, market, day, point, value, bounds.
    With `local_column` (a local timestamp of the row) on a model written one day at a time, an incremental run
    checks only the days not yet verified (unverified_days_filter): a row lies in one day, so the other days cannot
    have changed; a new price_bounds file makes every day unverified again (the seed's post-hook
    reverify_on_seed_change). -#}
{%- set body %}
with bounds as (
    select * from {{ ref('price_bounds') }} where iso = '{{ iso }}' and market = '{{ market }}'
),

checked as (
    select
        m.*,
        b.min_price,
        b.max_price
    from {{ model }} as m
    left join bounds as b
        on b.settlement_type = {{ "m." ~ type_column if type_column else "'ALL'" }} or b.settlement_type = '*'
    {%- if local_column %}
    where {{ unverified_days_filter(model, 'm.' ~ local_column) }}
    {%- endif %}
)

select
    '{{ iso }}' as iso,
    '{{ market }}' as market,
    cast({{ utc_to_local('datetime', iso_timezone(iso)) }} as date) as day,
    {{ 'settlement_point' if type_column else 'as_product' }} as point,
    {{ column_name }} as value,
    min_price,
    max_price
from checked
where {{ column_name }} is not null
  and (min_price is null or {{ column_name }} < min_price or {{ column_name }} > max_price
       or isnan({{ column_name }}) or abs({{ column_name }}) = cast('Infinity' as double))
{% endset %}
{#- skipped while its inputs are those of its last pass (macro unless_inputs_changed) -#}
{{ unless_inputs_changed(body, 'test') }}
{% endtest %}
