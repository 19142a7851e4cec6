"""The worked analyst model of README "Adding a model" (models/marts/ercot_hub_daily_peak_prices.sql) against an
independent computation: Stage 2 rows, local time from Python zoneinfo, ERCOT 7x16 on-peak (hour ending 7-22)."""

from __future__ import annotations

import math
from collections import defaultdict
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from conftest import query

pytestmark = pytest.mark.e2e

CENTRAL = ZoneInfo("America/Chicago")


def _expected(built: Path, relation: str, price: str) -> dict:
    """{(operating_day, hub): (on-peak avg, off-peak avg, on count, off count)} from the UTC interval starts."""
    rows = query(built, f"select datetime, settlement_point, {price} from {relation} where settlement_type = 'HUB'")
    sums: dict = defaultdict(lambda: [0.0, 0.0, 0, 0])
    for utc_start, hub, value in rows:
        local = utc_start.astimezone(CENTRAL)
        hour_ending = local.hour + 1
        acc = sums[(local.date(), hub)]
        if value is None:
            continue
        if 7 <= hour_ending <= 22:
            acc[0] += value
            acc[2] += 1
        else:
            acc[1] += value
            acc[3] += 1
    return {k: (s[0] / s[2] if s[2] else None, s[1] / s[3] if s[3] else None, s[2], s[3]) for k, s in sums.items()}


def _close(a, b) -> bool:
    return (a is None and b is None) or (a is not None and b is not None and math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-9))


def test_daily_peak_averages_match_an_independent_computation(built):
    da = _expected(built, "ercot.da_prices", "da_lmp")
    rt = _expected(built, "ercot.rt_prices", "rt_lmp")
    rows = query(built, """
        select operating_day, settlement_point, da_on_peak_avg, da_off_peak_avg, rt_on_peak_avg, rt_off_peak_avg,
               da_on_peak_hours, da_off_peak_hours, rt_on_peak_intervals, rt_off_peak_intervals
        from marts.ercot_hub_daily_peak_prices""")
    got = {(r[0], r[1]): r[2:] for r in rows}
    assert set(got) == set(da) | set(rt)
    assert len({hub for _, hub in got}) >= 5 and all(hub.startswith("HB_") for _, hub in got)
    bad = []
    for key, r in got.items():
        e_da = da.get(key, (None, None, 0, 0))
        e_rt = rt.get(key, (None, None, 0, 0))
        expected = (e_da[0], e_da[1], e_rt[0], e_rt[1], e_da[2], e_da[3], e_rt[2], e_rt[3])
        if not all(_close(a, b) if isinstance(b, float) or b is None else a == b for a, b in zip(r, expected)):
            bad.append((key, r, expected))
    assert not bad, bad[:5]


def test_dst_days_count_local_hours(built):
    """On the 2024-11-03 fall-back day hour ending 2 occurs twice: 9 off-peak hours; on-peak is always 16."""
    rows = query(built, """
        select operating_day, min(da_on_peak_hours), max(da_on_peak_hours), min(da_off_peak_hours),
               max(da_off_peak_hours), min(rt_off_peak_intervals), max(rt_off_peak_intervals)
        from marts.ercot_hub_daily_peak_prices group by 1 order by 1""")
    by_day = {str(r[0]): r[1:] for r in rows}
    assert by_day["2024-11-03"] == (16, 16, 9, 9, 108, 108)
    assert by_day["2024-10-30"] == (16, 16, 8, 8, 96, 96)
