{{ config(incremental_strategy='append') }}

{#- Every landed PJM real-time hourly (rt_hrl_lmps) row, typed, appended file by file (never re-reads a landed file). -#}
{{ landed_rows('PJM', [(ref('stg_pjm__rt_hrl_lmps'), 'rt_hrl_lmps')],
               ['settlement_point', 'iso_point_type', 'pnode_id', 'rt_lmp', 'rt_energy', 'rt_congestion', 'rt_loss', 'version_nbr']) }}
