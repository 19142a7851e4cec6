{{ config(materialized='view') }}

{#- RT_prices on a complete 15-minute spine with the forward-fill rule applied (long form, feeds the PIVOT). -#}
{{ filled_long(ref('caiso_rt_prices'), ref('int_caiso__rt_prices_gaps'), 'settlement_point', 'rt_lmp') }}
