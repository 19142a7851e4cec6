{% test unique_grain(model, columns, context_columns=[], local_column=none, required_columns=[]) %}
{#- The grain of a model: every row has all of `columns` (e.g. datetime + settlement_point) and no two rows share
    them; `required_columns` (e.g. source_file, the price) must be present too. One test per model, where one
    not_null per column would each cost a dbt node. Failing rows: `problem` ('duplicate key', or 'NULL <columns>'),
    the key, how many rows, and `context_columns` (e.g. iso, datetime_local, source_file: every distinct value,
    comma-separated) so the failure says where: the ISO, the local day and hour, the delivered files.
    With `local_column` (a local timestamp of the row) on a model written one day at a time, an incremental run
    checks only the days not yet verified (unverified_days_filter): a key lies in one day, so the other days cannot
    have changed; the local timestamp must be present too, and a row without one (it belongs to no day) is looked for
    in every day.
    Duplicates in two steps, so that a year of 5-minute prices (165 M rows) fits the memory limit: the 64-bit hashes
    of the keys that occur more than once (8 bytes a key: grouping the keys themselves ran out of 1.5 GB at a year),
    then the rows with those hashes grouped by the key itself, exactly (a hash shared by two different keys is
    dropped there). Usually no hash repeats, and the second read of the model stops at once. -#}
{%- set selected = (columns + context_columns + required_columns + ([local_column] if local_column else [])) | unique | list %}
{%- set days = unverified_days_filter(model, local_column) if local_column else none %}
{%- set rows = "select " ~ selected | join(', ') ~ " from " ~ model ~ (" where " ~ days if days else "") %}
{%- set present = (columns + required_columns + ([local_column] if local_column else [])) | unique | list %}
{%- set problem %}concat('NULL ', concat_ws(', '{% for c in present %}, case when {{ c }} is null then '{{ c }}' end{% endfor %})){% endset %}
{%- set body %}
with repeated as (
    select {{ key_hash(columns) }} as key_hash
    from ({{ rows }}) as keyed
    group by {{ key_hash(columns) }}
    having count(*) > 1
),
suspects as (
    select * from ({{ rows }}) as keyed
    where {{ key_hash(columns) }} in (select key_hash from repeated)
),
incomplete as (
    {#- two scans, each with a filter the parquet reader can push down: `days or local is null` in one would read
        every row of the model (1.3 s for a year of 5-minute prices, against 0.08 s for `local is null` alone) -#}
    select {{ selected | join(', ') }}, {{ problem }} as problem
    from {{ model }}
    where ({% for c in present %}{{ c }} is null{% if not loop.last %} or {% endif %}{% endfor %})
    {%- if days %} and ({{ days }})
    union all
    select {{ selected | join(', ') }}, {{ problem }} as problem
    from {{ model }}
    where {{ local_column }} is null and not coalesce({{ days }}, false)
    {%- endif %}
)
select
    'duplicate key' as problem,
    {% for c in context_columns %}{{ distinct_text_list(c) }} as {{ c }}, {% endfor %}
    {{ columns | join(', ') }},
    count(*) as occurrences
from suspects
group by {{ columns | join(', ') }}
having count(*) > 1
union all
select
    problem,
    {% for c in context_columns %}{{ distinct_text_list(c) }} as {{ c }}, {% endfor %}
    {{ columns | join(', ') }},
    count(*) as occurrences
from incomplete
group by problem, {{ columns | join(', ') }}
{% endset %}
{#- skipped while its inputs are those of its last pass (macro unless_inputs_changed) -#}
{{ unless_inputs_changed(body, 'test') }}
{% endtest %}
