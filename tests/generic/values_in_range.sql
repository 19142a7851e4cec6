{% test values_in_range(model, column_name, iso, market, type_column=none) %}
{#- Prices within the bounds of seed price_bounds for (iso, market, settlement type): offer caps and floors
    published by each ISO (sources in the seed). Failing rows: iso, market, day, point, value, bounds. -#}
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
