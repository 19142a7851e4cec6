{{ config(alias='flat_as_prices', location=rollup_location('PJM', 'flattened/AS_prices')) }}

{#- Stage 3 AS_prices: datetime, then one column per (product, region) named `<as_product>_<as_region>`
    (SYNC_RESERVE_PJM RTO Reserve Zone, ...), products in the seed's column order (as_products), then regions alphabetically. -#}
{%- set filled = ref('int_pjm__as_prices_filled') -%}
{%- set long = ref('pjm_as_prices') -%}
{%- set products = ref('as_products') -%}
{%- set keys = [] -%}
{%- if execute -%}
  {%- set ordered -%}
    select key from (
        select distinct a.as_product || '_' || a.as_region as key, coalesce(p.column_order, 999) as column_order, a.as_region
        from {{ long }} as a
        left join {{ products }} as p on p.iso = 'PJM' and p.as_product = a.as_product
    )
    order by column_order, as_region, key
  {%- endset -%}
  {%- set keys = run_query(ordered).columns[0].values() | list -%}
{%- endif -%}
{{ pivot_wide(filled, keys=keys) }}
