"""Real NYISO MIS files through every stage (fixtures/real_samples/MANIFEST.md):

- `20240413damasp.csv` and `20240413rtasp.csv` (Rick10119/...Virtual-Power-Plant...): NYISO's day-ahead and
  real-time ancillary service prices of 2024-04-13, whole: the first real files of these two reports here; rtasp
  with two RTD intervals ending off the 5-minute grid (13:06:38, 13:09:32);
- `realtime_zone_20251102.csv` (vincal848/nyiso-grid): the real-time zonal LBMPs of the fall-back day 2025-11-02,
  CAPITL's rows only (the author's excerpt), the ends 01:00:00 .. 01:55:00 written twice.

Landed with the project's land() under their own names, built with `dbt build --select tag:nyiso`, and Stage 2 (and
the Stage 3 flat tables) compared with the raw files read here with Python's csv and placed in time by this test's own
reading of NYISO's rules: Eastern prevailing wall clock; damasp stamps are hour beginnings, rtasp and realtime stamps
interval ends; the Time Zone column (EDT / EST) says which clock an AS row is on; in a realtime file the second
pass of a repeated end is standard time; RTD intervals ending off the grid are averaged into their 5-minute
interval, weighted by their length in it."""

from __future__ import annotations

import csv
import datetime as dt
import json
from pathlib import Path

import pytest

from conftest import REAL, build, landed_entries, query
from ingest.catalog import timezone
from ingest.landing import land

UTC = dt.UTC
EASTERN = timezone("NYISO")  # America/New_York
ASP_DIR = REAL / "nyiso" / "Rick10119_vpp_ancillary_services"
REAL_DAMASP, REAL_RTASP = ASP_DIR / "20240413damasp.csv", ASP_DIR / "20240413rtasp.csv"
RT_DIR = REAL / "nyiso" / "vincal848_nyiso_grid"
REAL_RT_FALL = RT_DIR / "realtime_zone_20251102.csv"
NYCA = ("CAPITL", "CENTRL", "DUNWOD", "GENESE", "HUD VL", "LONGIL", "MHK VL", "MILLWD", "N.Y.C.", "NORTH", "WEST")


def products() -> dict[str, str]:
    """NYISO's product (the column name without its unit) -> ours, from seed as_products."""
    with (Path(__file__).parents[2] / "seeds" / "as_products.csv").open(newline="") as fh:
        return {r["iso_product"]: r["as_product"] for r in csv.DictReader(fh) if r["iso"] == "NYISO"}


def raw(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="ascii") as fh:
        return list(csv.DictReader(fh))


def on_clock(stamp: str, zone: str) -> dt.datetime:
    """A stamp on the Eastern clock its Time Zone names (EDT = UTC-4, EST = UTC-5), as UTC."""
    local = dt.datetime.strptime(stamp, "%m/%d/%Y %H:%M:%S" if stamp.count(":") == 2 else "%m/%d/%Y %H:%M")
    return (local + dt.timedelta(hours={"EDT": 4, "EST": 5}[zone])).replace(tzinfo=UTC)


def weighted(ends: list[tuple[dt.datetime, float]]) -> dict[dt.datetime, tuple[float, int]]:
    """RTD rows (UTC interval end, value) of one location and product -> {5-minute UTC start: (time-weighted mean of
    the RTD intervals ending in it, how many)}; each weighted by its seconds inside the interval."""
    out: dict[dt.datetime, list[tuple[float, float]]] = {}
    previous = None
    for end, value in sorted(ends):
        start = end - dt.timedelta(microseconds=1)
        start = start.replace(minute=start.minute - start.minute % 5, second=0, microsecond=0)
        out.setdefault(start, []).append(((end - max(previous or start, start)).total_seconds(), value))
        previous = end
    return {s: (round(sum(w * v for w, v in parts) / sum(w for w, _ in parts), 6), len(parts))
            for s, parts in out.items()}


@pytest.fixture(scope="module")
def real_nyiso(tmp_path_factory) -> Path:
    base = tmp_path_factory.mktemp("nyiso_real") / "data"
    summary = land("NYISO", [ASP_DIR, RT_DIR], base=base)
    assert not summary.quarantined and summary.n_landed == 3, summary.render()
    statuses = build(base, "--select", "tag:nyiso")
    assert statuses["__returncode__"] == 0, statuses["__log__"][-5000:]
    results = json.loads((base / "dbt_target" / "run_results.json").read_text())["results"]
    errors = {r["unique_id"]: r["status"] for r in results if r["status"] in ("error", "fail")}
    assert not errors, errors
    return base


def test_the_real_files_land_under_their_formats(real_nyiso):
    entries = {e["file_name"]: e for e in landed_entries(real_nyiso, "NYISO")}
    assert {n: (e["dataset"], e["format"], e["rows"]) for n, e in entries.items()} == {
        "20240413damasp.csv": ("AS_prices", "damasp", 264),
        "20240413rtasp.csv": ("RT_AS_prices", "rtasp", 3190),
        "realtime_zone_20251102.csv": ("RT_prices", "realtime_zone", 300)}
    # the real headers are the registry's, cell for cell (seeds/iso_reports.csv)
    with (Path(__file__).parents[2] / "seeds" / "iso_reports.csv").open(newline="") as fh:
        registered = {(r["format"], r["header"]) for r in csv.DictReader(fh) if r["iso"] == "NYISO"}
    for name, path in (("20240413damasp.csv", REAL_DAMASP), ("20240413rtasp.csv", REAL_RTASP),
                       ("realtime_zone_20251102.csv", REAL_RT_FALL)):
        header = ",".join(next(csv.reader(path.open(newline="", encoding="ascii"))))
        assert (entries[name]["format"], header) in registered


def test_real_damasp_every_price_at_its_hour(real_nyiso):
    """264 rows x 4 products: each price at its hour beginning (EDT: 04/13/2024 00:00 is 04:00Z), under our product
    names; 24 hours, 11 zones; Stage 3's flat table holds the same prices."""
    ours = products()
    expected = {}
    for r in raw(REAL_DAMASP):
        for column in list(r)[4:]:
            expected[(on_clock(r["Time Stamp"], r["Time Zone"]), r["Name"], ours[column.split(" ($")[0]])] = float(
                r[column])
    assert len(expected) == 264 * 4
    got = query(real_nyiso, """select datetime, as_region, as_product, as_price, datetime_local, hour_ending,
        interval_minutes from nyiso.as_prices""")
    assert {(r[0], r[1], r[2]): r[3] for r in got} == expected and len(got) == len(expected)
    assert all(local == utc.astimezone(EASTERN).replace(tzinfo=None) and he == local.hour + 1 and minutes == 60
               for utc, _, _, _, local, he, minutes in got)
    assert sorted({r[0] for r in got}) == [dt.datetime(2024, 4, 13, 4, tzinfo=UTC) + dt.timedelta(hours=h)
                                           for h in range(24)]
    assert {r[1] for r in got} == set(NYCA)
    # real row `04/13/2024 00:00,EDT,CAPITL,61757,5.00,5.00,2.99,5.00`
    (flat,) = query(real_nyiso, """select "SPIN_10_CAPITL", "NONSPIN_10_CAPITL", "OPERATING_30_CAPITL", "REG_CAPITL"
        from nyiso.flat_as_prices where datetime = timestamptz '2024-04-13 04:00:00+00'""")
    assert flat == (5.0, 5.0, 2.99, 5.0)


def test_real_rtasp_off_grid_rtd_intervals_time_weighted_as_the_realtime_lbmps(real_nyiso):
    """3,190 rows = 290 interval ends x 11 zones, two ends off the 5-minute grid (13:06:38, 13:09:32 EDT): Stage 2 has
    the 288 five-minute intervals of the day (no off-grid start), each the time-weighted mean of the RTD intervals
    ending in it (the rule of nyiso_rtd_rows for the realtime LBMPs); staging counts 3 RTD intervals in
    13:05-13:10 EDT (98 s, 174 s and 28 s), 1 elsewhere."""
    ours = products()
    ends: dict[tuple[str, str], list[tuple[dt.datetime, float]]] = {}
    for r in raw(REAL_RTASP):
        for column in list(r)[4:]:
            ends.setdefault((r["Name"], ours[column.split(" ($")[0]]), []).append(
                (on_clock(r["Time Stamp"], r["Time Zone"]), float(r[column])))
    assert len(ends) == 11 * 5 and {len(v) for v in ends.values()} == {290}
    expected = {(start, name, product): mean for (name, product), rows in ends.items()
                for start, mean in weighted(rows).items()}
    first = dt.datetime(2024, 4, 13, 4, tzinfo=UTC)  # 00:00 EDT
    assert {s for s, _, _ in expected} == {first + dt.timedelta(minutes=5 * i) for i in range(288)}
    got = query(real_nyiso, """select datetime, as_region, as_product, as_price, interval_end, datetime_local
        from nyiso.rt_as_prices""")
    assert len(got) == len(expected) == 288 * 11 * 5
    for utc, region, product, price, end, local in got:
        assert price == pytest.approx(expected[(utc, region, product)][0], abs=1e-9)
        assert end == utc + dt.timedelta(minutes=5) and local == utc.astimezone(EASTERN).replace(tzinfo=None)
    counts = query(real_nyiso, """select datetime, rtd_intervals, count(*) from nyiso.stg_nyiso__rtasp
        where rtd_intervals <> 1 group by all""")
    assert counts == [(dt.datetime(2024, 4, 13, 17, 5, tzinfo=UTC), 3, 55)]
    assert {(k[0], v[1]) for k, v in expected.items() if v[1] > 1} == {(dt.datetime(2024, 4, 13, 17, 5, tzinfo=UTC), 3)}
    # the regulation movement price (the 9th column, $/MW) as REG_MOVEMENT, and Stage 3
    (flat,) = query(real_nyiso, """select "REG_MOVEMENT_WEST", "REG_WEST" from nyiso.flat_rt_as_prices
        where datetime = timestamptz '2024-04-14 03:55:00+00'""")  # the end 04/14/2024 00:00:00 EDT
    assert flat == (0.15, 3.0)


def test_real_fall_back_realtime_second_pass_is_standard_time(real_nyiso):
    """The 2025-11-02 excerpt (CAPITL): 300 interval ends; the first 01:05:00 .. 01:55:00 are EDT (UTC-4), the second
    EST (UTC-5), 01:00:00 twice too (the first closes 00:55-01:00 EDT, the second 01:55 EDT-01:00 EST). Stage 2: a
    continuous 5-minute UTC series of 25 hours (300 intervals), no duplicates, every price at its instant."""
    rows = raw(REAL_RT_FALL)
    assert len(rows) == 300 and {r["Name"] for r in rows} == {"CAPITL"}
    seen: dict[str, int] = {}
    expected = {}
    standard = False  # the file is in time order: from the first end written a second time on, standard time
    for r in rows:
        n = seen[r["Time Stamp"]] = seen.get(r["Time Stamp"], 0) + 1
        assert n == 1 or r["Time Stamp"].startswith("11/02/2025 01:")
        standard = standard or n == 2
        end = on_clock(r["Time Stamp"], "EST" if standard else "EDT")
        expected[end - dt.timedelta(minutes=5)] = tuple(float(r[c]) for c in (
            "LBMP ($/MWHr)", "Marginal Cost Losses ($/MWHr)", "Marginal Cost Congestion ($/MWHr)"))
    assert sorted(k for k, v in seen.items() if v == 2) == [f"11/02/2025 01:{m:02d}:00" for m in range(0, 60, 5)]
    first = dt.datetime(2025, 11, 2, 4, tzinfo=UTC)  # 00:00 EDT
    assert sorted(expected) == [first + dt.timedelta(minutes=5 * i) for i in range(300)]
    got = query(real_nyiso, """select datetime, datetime_local, rt_lmp, rt_loss, rt_congestion, hour_ending
        from nyiso.rt_prices where settlement_point = 'CAPITL' order by datetime""")
    assert [r[0] for r in got] == sorted(expected)  # continuous, no duplicates, 25 hours' worth
    for utc, local, lmp, loss, congestion, he in got:
        lbmp, losses, nyiso_congestion = expected[utc]
        assert (lmp, loss, congestion) == (lbmp, losses, 0.0 - nyiso_congestion)
        assert local == utc.astimezone(EASTERN).replace(tzinfo=None) and he == local.hour + 1
    by_local = [(utc, lmp) for utc, local, lmp, *_ in got if local == dt.datetime(2025, 11, 2, 1, 5)]
    # the two 01:05-01:10 intervals: first pass 05:05Z (EDT), second 06:05Z (EST), with the file's prices in order
    twice = [float(r["LBMP ($/MWHr)"]) for r in rows if r["Time Stamp"] == "11/02/2025 01:10:00"]
    assert by_local == [(dt.datetime(2025, 11, 2, 5, 5, tzinfo=UTC), twice[0]),
                        (dt.datetime(2025, 11, 2, 6, 5, tzinfo=UTC), twice[1])]
    hours = query(real_nyiso, """select count(distinct date_trunc('hour', datetime)) from nyiso.rt_prices
        where datetime_local::date = date '2025-11-02' and settlement_point = 'CAPITL'""")
    assert hours == [(25,)]
    (flat,) = query(real_nyiso, """select "CAPITL" from nyiso.flat_rt_prices
        where datetime = timestamptz '2025-11-02 06:05:00+00'""")
    assert flat == (twice[1],)
