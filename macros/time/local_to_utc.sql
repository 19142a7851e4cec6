{% macro local_to_utc(local_ts, tz, is_repeated) -%}
  {{ return(adapter.dispatch('local_to_utc')(local_ts, tz, is_repeated)) }}
{%- endmacro %}

{% macro default__local_to_utc(local_ts, tz, is_repeated) -%}
  {#-
    The one DST rule of the project: local wall-clock time + the ISO's repeated-hour flag -> TIMESTAMPTZ (UTC).
    A local time inside the repeated hour of a fall-back day is the first occurrence (daylight time) unless the ISO
    flags it as the repeated one (standard time). Never guesses: outside the repeated hour the flag is irrelevant.

    Fast path (years whose transitions dst_transitions() found): UTC = local - the UTC offset, with the day's DST
    boundaries taken from constant per-year lists - plain arithmetic, ~5x faster than ICU per row. The boundaries
    come from ICU itself (the same time zone database), so both paths agree; other years use the ICU rule.
  -#}
  {%- set t = dst_transitions(tz) -%}
  {%- if t is none -%}
    {{ local_to_utc_icu(local_ts, tz, is_repeated) }}
  {%- else -%}
    {%- set i = "year(" ~ local_ts ~ ") - " ~ (t.first_year - 1) -%}
    case
      when {{ local_ts }} >= timestamp '{{ t.first_year }}-01-01' and {{ local_ts }} < timestamp '{{ t.last_year + 1 }}-01-01'
        then to_timestamp(epoch({{ local_ts }}) - case
          when {{ local_ts }} < {{ t.dst_starts }}[{{ i }}] then {{ t.standard }}
          when {{ local_ts }} < {{ t.repeat_starts }}[{{ i }}] then {{ t.daylight }}
          when {{ local_ts }} < {{ t.repeat_ends }}[{{ i }}]
            then case when coalesce({{ is_repeated }}, false) then {{ t.standard }} else {{ t.daylight }} end
          else {{ t.standard }}
        end)
      else {{ local_to_utc_icu(local_ts, tz, is_repeated) }}
    end
  {%- endif -%}
{%- endmacro %}

{% macro local_to_utc_icu(local_ts, tz, is_repeated) -%}
  {#- The same rule with ICU per row. DuckDB resolves an ambiguous local time to its *second* occurrence (standard
      time); when the time is ambiguous - the same wall clock also occurred one hour earlier - and the ISO says it
      is NOT the repeated hour, take the first occurrence (one hour earlier in UTC). -#}
  case
    when not coalesce({{ is_repeated }}, false)
     and timezone('{{ tz }}', timezone('{{ tz }}', {{ local_ts }}) - interval 1 hour) = {{ local_ts }}
      then timezone('{{ tz }}', {{ local_ts }}) - interval 1 hour
    else timezone('{{ tz }}', {{ local_ts }})
  end
{%- endmacro %}

{% macro dst_transitions(tz, first_year=1990, last_year=2040) -%}
  {#-
    The DST calendar of a time zone as ICU knows it, for the fast path of local_to_utc: for each year of the longest
    run of years with exactly one spring-forward then one fall-back transition and the same two offsets, the local
    wall-clock times where daylight time starts and where the repeated hour starts and ends. Returns none when not
    executing or when the zone has no such years (no DST, or unusual rules): local_to_utc then uses ICU throughout.
  -#}
  {%- if not execute -%}{{ return(none) }}{%- endif -%}
  {%- set memo = invocation_memo() -%}
  {%- set key = 'dst_transitions ' ~ tz ~ ' ' ~ first_year ~ ' ' ~ last_year -%}
  {%- if key not in memo -%}{%- do memo.update({key: dst_transitions_query(tz, first_year, last_year)}) -%}{%- endif -%}
  {{ return(memo[key]) }}
{%- endmacro %}

{% macro dst_transitions_query(tz, first_year, last_year) -%}
  {#- dst_transitions computed (a query over every hour of the years: ~70 ms, once per time zone and invocation). -#}
  {%- set sql -%}
    with hours as (
        select u, (epoch(timezone('{{ tz }}', u)) - epoch(u))::bigint as utc_offset
        from generate_series(timestamptz '{{ first_year - 1 }}-12-30 00:00:00+00', timestamptz '{{ last_year + 1 }}-01-02 00:00:00+00', interval 1 hour) as g(u)
    ),
    changes as (
        select u, utc_offset, lag(utc_offset) over (order by u) as before from hours qualify utc_offset <> before
    ),
    exact as (
        -- the first minute of the hour before each change that already has the new offset
        select min(m) as at_utc, c.before, c.utc_offset
        from changes as c, generate_series(c.u - interval 1 hour, c.u, interval 1 minute) as g(m)
        where (epoch(timezone('{{ tz }}', m)) - epoch(m))::bigint = c.utc_offset
        group by c.u, c.before, c.utc_offset
    )
    select
        strftime(make_timestamp(epoch_us(at_utc) + before * 1000000), '%Y-%m-%d %H:%M:%S') as wall_before,
        strftime(make_timestamp(epoch_us(at_utc) + utc_offset * 1000000), '%Y-%m-%d %H:%M:%S') as wall_after,
        before,
        utc_offset
    from exact
    order by at_utc
  {%- endset -%}
  {%- set by_year = {} -%}
  {%- for r in run_query(sql).rows -%}
    {%- set y = r[0][:4] | int -%}
    {%- do by_year.setdefault(y, []).append(r) -%}
  {%- endfor -%}
  {%- set good = [] -%}
  {%- for y in range(first_year, last_year + 1) -%}
    {%- set tr = by_year.get(y, []) -%}
    {%- if tr | length == 2 and tr[0][3] > tr[0][2] and tr[1][3] < tr[1][2]
          and tr[0][2] == tr[1][3] and tr[0][3] == tr[1][2] and tr[0][1][:4] | int == y and tr[1][0][:4] | int == y -%}
      {%- do good.append(y) -%}
    {%- endif -%}
  {%- endfor -%}
  {#- the longest run of consecutive good years with the same offsets as the last good year -#}
  {%- set best = {'from': none, 'to': none} -%}
  {%- set run = {'from': none, 'to': none} -%}
  {%- for y in good -%}
    {%- set same = by_year[y][0][2] == by_year[good[-1]][0][2] and by_year[y][0][3] == by_year[good[-1]][0][3] -%}
    {%- if same and run['to'] is not none and run['to'] == y - 1 -%}
      {%- do run.update({'to': y}) -%}
    {%- elif same -%}
      {%- do run.update({'from': y, 'to': y}) -%}
    {%- else -%}
      {%- do run.update({'from': none, 'to': none}) -%}
    {%- endif -%}
    {%- if run['from'] is not none and (best['from'] is none or run['to'] - run['from'] > best['to'] - best['from']) -%}
      {%- do best.update(run) -%}
    {%- endif -%}
  {%- endfor -%}
  {%- if best['from'] is none -%}{{ return(none) }}{%- endif -%}
  {%- set dst_starts, repeat_starts, repeat_ends = [], [], [] -%}
  {%- for y in range(best['from'], best['to'] + 1) -%}
    {%- do dst_starts.append("timestamp '" ~ by_year[y][0][1] ~ "'") -%}
    {%- do repeat_starts.append("timestamp '" ~ by_year[y][1][1] ~ "'") -%}
    {%- do repeat_ends.append("timestamp '" ~ by_year[y][1][0] ~ "'") -%}
  {%- endfor -%}
  {{ return({
      'first_year': best['from'], 'last_year': best['to'],
      'standard': by_year[best['to']][0][2], 'daylight': by_year[best['to']][0][3],
      'dst_starts': '[' ~ dst_starts | join(', ') ~ ']',
      'repeat_starts': '[' ~ repeat_starts | join(', ') ~ ']',
      'repeat_ends': '[' ~ repeat_ends | join(', ') ~ ']'}) }}
{%- endmacro %}

{% macro flag_is_yes(col) -%}
  (upper(trim({{ col }})) in ('Y', 'YES', 'TRUE', '1'))
{%- endmacro %}

{% macro hour_ending_of(local_start) -%}
  {#- Hour ending 1..24 of an interval starting at local_start (local clock time): ERCOT's HourEnding convention,
      which every ISO's Stage 2 rows follow (on a fall-back day both 01:00 hours have hour_ending 2). -#}
  (extract(hour from {{ local_start }}) + 1)::integer
{%- endmacro %}

{% macro standard_time_columns(utc_start, local_start, hour_ending, interval_minutes) -%}
  {#- The standard time columns of every Stage 2 row, from an interval start in UTC and in local time. -#}
  {{ utc_start }} as datetime,
  datetime + {{ interval_of(interval_minutes, 'minute') }} as interval_end,
  {{ local_start }} as datetime_local,
  {{ hour_ending }} as hour_ending,
  {{ interval_minutes }} as interval_minutes
{%- endmacro %}
