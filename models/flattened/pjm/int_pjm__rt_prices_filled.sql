{{ config(materialized='view') }}

{#- RT_prices on a complete 5-minute spine with the forward-fill rule applied (long form, feeds the PIVOT). -#}
{{ filled_long(ref('pjm_rt_prices'), ref('int_pjm__rt_prices_gaps'), 'settlement_point', 'rt_lmp') }}
