{{ config(incremental_strategy='append') }}

{#- Every landed PJM day-ahead hourly (da_hrl_lmps) row, typed, appended file by file (never re-reads a landed file). -#}
{{ landed_rows('PJM', [(ref('stg_pjm__da_hrl_lmps'), 'da_hrl_lmps')],
               ['settlement_point', 'iso_point_type', 'pnode_id', 'da_lmp', 'da_energy', 'da_congestion', 'da_loss', 'version_nbr']) }}
