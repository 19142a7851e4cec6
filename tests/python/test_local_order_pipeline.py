"""NYISO and ISO-NE through every stage: the real files (fixtures/real_samples/nyiso: a DAM zonal excerpt;
isone: a day-ahead report excerpt) and the generated samples around both DST days of 2024 and 2025 are landed and
built with `dbt build --select tag:nyiso tag:isone`, and Stage 2 and Stage 3 are compared with the raw files, read
here with Python's csv and placed in time by this test's own reading of each ISO's rule: Eastern prevailing wall
clock, the repeated fall-back hour told apart by row order within each location (NYISO, ISO-NE 5-minute) or by the
`02X` label (ISO-NE hourly); NYISO real-time stamps are interval ends. UTC series must be continuous, without
duplicates, with 23 / 25 hours on the local DST days."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
from pathlib import Path

import pytest

from conftest import REAL, build, landed_entries, query
from ingest.catalog import timezone
from ingest.landing import land
from ingest.sample.isone import generate_isone
from ingest.sample.nyiso import generate_nyiso

UTC = dt.UTC
EASTERN = timezone("NYISO")  # America/New_York
NY_REAL = REAL / "nyiso" / "nyiso_damlbmp_zone_20261005__EXCERPT.csv"
NY_REAL_ALL = sorted(p for p in (REAL / "nyiso").glob("*.csv") if "LIVE_CAPTURE" not in p.name)  # + DST days
ISONE_REAL = REAL / "isone" / "WW_DALMP_ISO_20260604__EXCERPT.csv"
ISONE_REAL_RT = REAL / "isone" / "lmp_rt_final_20260602__EXCERPT.csv"
DST_WINDOWS = ((dt.date(2024, 3, 9), 3), (dt.date(2024, 11, 2), 3), (dt.date(2025, 3, 8), 3), (dt.date(2025, 11, 1), 3))
DST_DAYS = (dt.date(2024, 3, 10), dt.date(2024, 11, 3), dt.date(2025, 3, 9), dt.date(2025, 11, 2))
NY_FOLDERS = ("damlbmp", "realtime", "rtlbmp", "damasp", "rtasp")  # the MIS folder names in the file names
NY_TABLE = {"damlbmp": "da_prices", "realtime": "rt_prices", "rtlbmp": "rt_hourly"}
ISONE_TABLE = {"WW_DALMP_ISO": ("da_prices", 60), "lmp_rt_final": ("rt_hourly", 60), "lmp_5min": ("rt_prices", 5)}


def resolve(local: dt.datetime, occurrence: int) -> dt.datetime:
    """A local Eastern wall-clock time as UTC, `occurrence` 2 being the second (EST) pass of the repeated hour."""
    return local.replace(tzinfo=EASTERN, fold=occurrence - 1).astimezone(UTC)


def day_hours(day: dt.date) -> int:
    a = dt.datetime.combine(day, dt.time(0), EASTERN).astimezone(UTC)
    b = dt.datetime.combine(day + dt.timedelta(days=1), dt.time(0), EASTERN).astimezone(UTC)
    return int((b - a).total_seconds() // 3600)


def nyiso_expected(paths: list[Path]) -> dict[tuple[str, dt.datetime, str], tuple[float, ...]]:
    """(table, UTC interval start, name) -> (LBMP, losses, NYISO congestion), or for damasp (as_prices, start,
    region|product) -> price: the second row of a location with one stamp is the second pass. Real-time rows close
    RTD intervals: a 5-minute interval gets the mean of the RTD intervals ending in it, weighted by their length
    inside it (from the location's previous end)."""
    out = {}
    for path in paths:
        folder = next(f for f in NY_FOLDERS if f in path.name)
        seen: dict[tuple[str, str], int] = {}
        # real-time rows by (table, PTID[, product]): (interval end, name, values)
        ends: dict[tuple[str, ...], list[tuple[dt.datetime, str, tuple[float, ...]]]] = {}
        for r in csv.DictReader(io.StringIO(path.read_text(encoding="utf-8"))):
            stamp = r["Time Stamp"]
            n = seen[(r["PTID"], stamp)] = seen.get((r["PTID"], stamp), 0) + 1
            local = dt.datetime.strptime(stamp, "%m/%d/%Y %H:%M:%S" if stamp.count(":") == 2 else "%m/%d/%Y %H:%M")
            if folder in ("damasp", "rtasp"):  # the Time Zone column says which pass; rtasp stamps are ends
                fold = next(f for f in (0, 1) if local.replace(tzinfo=EASTERN, fold=f).tzname() == r["Time Zone"])
                for column, price in list(r.items())[4:]:
                    product = f"{r['Name']}|{column.split(' ($')[0]}"
                    if folder == "damasp":
                        out[("as_prices", resolve(local, fold + 1), product)] = (float(price),)
                    else:
                        ends.setdefault(("rt_as_prices", r["PTID"], column), []).append(
                            (resolve(local, fold + 1), product, (float(price),)))
                continue
            values = tuple(float(r[c]) for c in ("LBMP ($/MWHr)", "Marginal Cost Losses ($/MWHr)",
                                                 "Marginal Cost Congestion ($/MWHr)"))
            if folder == "realtime":
                ends.setdefault(("rt_prices", r["PTID"]), []).append((resolve(local, n), r["Name"], values))
            else:
                out[(NY_TABLE[folder], resolve(local, n), r["Name"])] = values
        for (table, *_), rows in ends.items():
            out.update(rtd_means(table, rows))
    return out


def rtd_means(table: str, rows: list[tuple[dt.datetime, str, tuple[float, ...]]]
              ) -> dict[tuple[str, dt.datetime, str], tuple[float, ...]]:
    """One location's (and product's) RTD rows (UTC interval end, name, values) as 5-minute intervals: each interval
    gets the mean of the RTD intervals ending in it, weighted by their length inside it (from the previous end)."""
    buckets: dict[tuple[dt.datetime, str], list[tuple[float, tuple[float, ...]]]] = {}
    previous = None
    for end, name, values in sorted(rows):
        start = end - dt.timedelta(microseconds=1)
        start = start.replace(minute=start.minute - start.minute % 5, second=0, microsecond=0)
        seconds = (end - max(previous or start, start)).total_seconds()
        buckets.setdefault((start, name), []).append((seconds, values))
        previous = end
    return {(table, start, name): tuple(round(sum(w * v[i] for w, v in parts) / sum(w for w, _ in parts), 6)
                                        for i in range(len(parts[0][1])))
            for (start, name), parts in buckets.items()}


def isone_expected(paths: list[Path]) -> dict[tuple[str, dt.datetime, str], tuple[float, ...]]:
    """(table, UTC interval start, location name without its padding) -> (LMP, energy, congestion, loss)."""
    out = {}
    for path in paths:
        kind = next((k for k in ISONE_TABLE if path.name.startswith(k)), None)
        if kind is None:  # the reserve prices: test_isone_reserve_prices_as_hourly_means_on_dst_days
            continue
        table, _ = ISONE_TABLE[kind]
        lines = [c for c in csv.reader(io.StringIO(path.read_text(encoding="utf-8"), newline=""))]
        header = lines[[c[0] for c in lines].index("H")][1:]
        seen: dict[tuple[str, str], int] = {}
        for cells in (c for c in lines if c[0] == "D"):
            r = dict(zip(header, cells[1:], strict=True))
            if kind == "lmp_5min":
                day = dt.datetime.strptime(re.search(r"_(\d{8})_", path.name).group(1), "%Y%m%d")
                clock = dt.datetime.strptime(r["Local Time"], "%H:%M")
                local = day.replace(hour=clock.hour, minute=clock.minute)
                n = seen[(r["Location ID"], r["Local Time"])] = seen.get((r["Location ID"], r["Local Time"]), 0) + 1
            else:
                day = dt.datetime.strptime(r["Date"], "%m/%d/%Y")
                local = day + dt.timedelta(hours=int(r["Hour Ending"].rstrip("X")) - 1)
                n = 2 if r["Hour Ending"].endswith("X") else 1
            out[(table, resolve(local, n), r["Location Name"].rstrip())] = tuple(
                float(r[c]) for c in ("Locational Marginal Price", "Energy Component", "Congestion Component",
                                      "Marginal Loss Component"))
    return out


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("local_order")
    base = tmp / "data"
    ny, isone = [], []
    for start, days in DST_WINDOWS:
        ny += generate_nyiso(tmp / "nyiso", start=start, days=days)
        isone += generate_isone(tmp / "isone", start=start, days=days)
    # the real ISO-NE excerpts kept their originals' trailers (29016 and 29064 lines): counted here
    # (test_local_order_landing shows an excerpt as it is, quarantined for that)
    (tmp / "real").mkdir()
    real_isone = []
    for path in (ISONE_REAL, ISONE_REAL_RT):
        text = path.read_text(encoding="utf-8")
        rows = sum(1 for line in text.splitlines() if line.startswith('"D"'))
        real_isone.append(tmp / "real" / path.name.replace("__EXCERPT", ""))
        real_isone[-1].write_text(re.sub(r'"T","\d+ lines"', f'"T","{rows} lines"', text), encoding="utf-8")
    s = land("NYISO", [*NY_REAL_ALL, tmp / "nyiso"], base=base)
    assert not s.quarantined and s.n_landed == len(NY_REAL_ALL) + len(ny), s.render()
    s = land("ISONE", [*real_isone, tmp / "isone"], base=base)
    assert not s.quarantined and s.n_landed == 2 + len(isone), s.render()
    statuses = build(base, "--select", "tag:nyiso", "tag:isone", "source:landing")
    assert statuses["__returncode__"] == 0, statuses["__log__"][-5000:]
    results = json.loads((base / "dbt_target" / "run_results.json").read_text())["results"]
    errors = {r["unique_id"]: r["status"] for r in results if r["status"] in ("error", "fail")}
    assert not errors, errors  # gaps between the windows and the excerpts' partial days are warnings
    return {"base": base, "nyiso": ny, "isone": isone, "real_isone": real_isone}


def test_the_real_nyiso_excerpt_reaches_stage_2_and_3_with_our_sign(built):
    expected = nyiso_expected([NY_REAL])
    assert len(expected) == 30
    got = query(built["base"], """select datetime, settlement_point, datetime_local, hour_ending, da_lmp, da_energy,
        da_congestion, da_loss, settlement_type from nyiso.da_prices where datetime::date = date '2026-10-05'
        order by all""")
    assert {("da_prices", r[0], r[1]) for r in got} == set(expected)
    for utc, point, local, he, lmp, energy, congestion, loss, kind in got:
        lbmp, losses, nyiso_congestion = expected[("da_prices", utc, point)]
        assert (lmp, loss, congestion) == (lbmp, losses, 0.0 - nyiso_congestion)  # ours: PJM's sign
        assert energy == pytest.approx(lbmp - losses + nyiso_congestion, abs=1e-9)
        assert lmp == pytest.approx(energy + congestion + loss, abs=1e-9)
        assert local == utc.astimezone(EASTERN).replace(tzinfo=None) and he == local.hour + 1
        assert kind == ("NODE" if point in ("H Q", "NPX", "O H", "PJM") else "ZONE")
    # 10/05/2026 07:00 EDT is 11:00 UTC; GENESE: LBMP 37.50, losses -1.73, NYISO congestion 11.72 (real row)
    (row,) = [r for r in got if r[1] == "GENESE" and r[0] == dt.datetime(2026, 10, 5, 11, tzinfo=UTC)]
    assert row[4:8] == (37.5, pytest.approx(50.95), -11.72, -1.73)
    (flat,) = query(built["base"], """select "N.Y.C.", "HUD VL", "H Q" from nyiso.flat_da_prices
        where datetime = timestamptz '2026-10-05 04:00:00+00'""")
    assert list(flat) == [expected[("da_prices", dt.datetime(2026, 10, 5, 4, tzinfo=UTC), p)][0]
                          for p in ("N.Y.C.", "HUD VL", "H Q")]


def test_the_real_isone_report_reaches_stage_2_and_3(built):
    expected = {k: v for k, v in isone_expected(built["real_isone"]).items() if k[0] == "da_prices"}
    assert len(expected) == 2773
    got = query(built["base"], """select datetime, settlement_point, da_lmp, da_energy, da_congestion, da_loss,
        settlement_type from isone.da_prices where datetime::date between
        date '2026-06-04' and date '2026-06-05' order by all""")
    assert {("da_prices", r[0], r[1]) for r in got} == set(expected)
    rows = csv.reader(io.StringIO(built["real_isone"][0].read_text(encoding="utf-8")))
    types = {cells[4].rstrip(): cells[5] for cells in rows if cells[0] == "D"}  # Location Name -> Location Type
    for utc, point, *prices, kind in got:
        assert tuple(prices) == expected[("da_prices", utc, point)]
        assert kind == {"HUB": "HUB", "LOAD ZONE": "ZONE", "DRRAZ": "ZONE"}.get(types[point], "NODE")
    # HE 01 of 06/04/2026 (EDT) is [04:00, 05:00) UTC: the hub's real 47.82 = 47.56 + 0.0 + 0.26
    hub = [r for r in got if r[1] == ".H.INTERNAL_HUB" and r[0] == dt.datetime(2026, 6, 4, 4, tzinfo=UTC)]
    assert [tuple(r[2:6]) for r in hub] == [(47.82, 47.56, 0.0, 0.26)]
    (flat,) = query(built["base"], """select ".H.INTERNAL_HUB", ".Z.MAINE" from isone.flat_da_prices
        where datetime = timestamptz '2026-06-04 04:00:00+00'""")
    assert list(flat) == [47.82, 46.32]


@pytest.mark.parametrize("start,days", DST_WINDOWS)
@pytest.mark.parametrize("table,minutes,points", [("da_prices", 60, ("N.Y.C.", "WEST")),
                                                  ("rt_prices", 5, ("N.Y.C.", "H Q")),
                                                  ("rt_hourly", 60, ("CAPITL",))])
def test_nyiso_dst_days_continuous_utc_no_duplicates_and_eastern_hour_counts(built, start, days, table, minutes,
                                                                              points):
    end = start + dt.timedelta(days=days)
    files = [f for f in built["nyiso"] if start <= dt.datetime.strptime(f.name[:8], "%Y%m%d").date() < end]
    expected = {k: v for k, v in nyiso_expected(files).items() if k[0] == table}
    check_series(built["base"], "nyiso", table, start, days, minutes, points, expected, components=3)


@pytest.mark.parametrize("start,days", DST_WINDOWS)
@pytest.mark.parametrize("table,minutes", [("da_prices", 60), ("rt_hourly", 60), ("rt_prices", 5)])
def test_isone_dst_days_continuous_utc_no_duplicates_and_eastern_hour_counts(built, start, days, table, minutes):
    end = start + dt.timedelta(days=days)

    def day_of(f: Path) -> dt.date:
        return dt.datetime.strptime(re.search(r"(\d{8})", f.name).group(1), "%Y%m%d").date()

    files = [f for f in built["isone"] if start <= day_of(f) < end]
    expected = {k: v for k, v in isone_expected(files).items() if k[0] == table}
    if table == "rt_prices":  # 5-minute files are generated for the DST day only
        dst = next(d for d in DST_DAYS if start <= d < end)
        start, days = dst, 1
    check_series(built["base"], "isone", table, start, days, minutes, (".H.INTERNAL_HUB", ".Z.MAINE"), expected,
                 components=4)


def check_series(base, schema, table, start, days, minutes, points, expected, components):
    end = start + dt.timedelta(days=days)
    first = dt.datetime.combine(start, dt.time(0), EASTERN).astimezone(UTC)
    last = dt.datetime.combine(end, dt.time(0), EASTERN).astimezone(UTC)
    p = "da" if table == "da_prices" else "rt"
    got = query(base, f"""select datetime, settlement_point, datetime_local, hour_ending, {p}_lmp, {p}_energy,
        {p}_congestion, {p}_loss from {schema}.{table} where datetime >= ? and datetime < ? order by all""",
                [first, last])
    assert len(got) == len({(r[0], r[1]) for r in got})  # no duplicates
    assert {(table, r[0], r[1]) for r in got} == {k for k in expected if first <= k[1] < last}
    n = int((last - first).total_seconds() // 60 // minutes)
    for point in points:
        rows = [r for r in got if r[1] == point]
        assert [r[0] for r in rows] == [first + dt.timedelta(minutes=minutes * i) for i in range(n)]  # continuous
        per_day: dict[dt.date, int] = {}
        for utc, _, local, he, lmp, energy, congestion, loss in rows:
            per_day[local.date()] = per_day.get(local.date(), 0) + 1
            assert local == utc.astimezone(EASTERN).replace(tzinfo=None) and he == local.hour + 1
            want = expected[(table, utc, point)]
            if components == 3:  # NYISO: LBMP, losses, congestion with NYISO's sign (RTD: time-weighted means)
                assert (lmp, loss, congestion) == pytest.approx((want[0], want[1], 0.0 - want[2]), abs=1e-6)
            else:
                assert (lmp, energy, congestion, loss) == want
        assert per_day == {start + dt.timedelta(days=i): day_hours(start + dt.timedelta(days=i)) * 60 // minutes
                           for i in range(days)}


def test_nyiso_day_ahead_ancillary_prices_reach_stage_2_and_3(built):
    start, days = DST_WINDOWS[1]  # around the 2024 fall-back day
    files = [f for f in built["nyiso"] if f.name.endswith("damasp.csv")
             and start <= dt.datetime.strptime(f.name[:8], "%Y%m%d").date() < start + dt.timedelta(days=days)]
    expected = nyiso_expected(files)
    first = dt.datetime.combine(start, dt.time(0), EASTERN).astimezone(UTC)
    last = dt.datetime.combine(start + dt.timedelta(days=days), dt.time(0), EASTERN).astimezone(UTC)
    with (Path(__file__).parents[2] / "seeds" / "as_products.csv").open(newline="") as fh:
        ours = {r["as_product"]: r["iso_product"] for r in csv.DictReader(fh) if r["iso"] == "NYISO"}
    got = query(built["base"], """select datetime, as_region, as_product, as_price
        from nyiso.as_prices where datetime >= ? and datetime < ?""", [first, last])
    assert {("as_prices", r[0], f"{r[1]}|{ours[r[2]]}") for r in got} == set(expected)
    assert all((r[3],) == expected[("as_prices", r[0], f"{r[1]}|{ours[r[2]]}")] for r in got)
    assert {r[2] for r in got} == {"SPIN_10", "NONSPIN_10", "OPERATING_30", "REG"}
    hours = query(built["base"], """select count(distinct datetime) from nyiso.as_prices
        where datetime_local::date = date '2024-11-03'""")
    assert hours == [(25,)]


def test_the_landed_files_carry_the_occurrence_landing_derived(built):
    """Staging reads the pass of the repeated hour from the landed file's Occurrence column, never from the engine's
    default for an ambiguous local time."""
    entries = [e for e in landed_entries(built["base"], "NYISO") if e["file_name"] == "20241103damlbmp_zone.csv"]
    assert len(entries) == 1
    (row,) = query(built["base"], """select count(*) filter (where datetime_local = timestamp '2024-11-03 01:00'),
        count(distinct datetime) filter (where datetime_local = timestamp '2024-11-03 01:00')
        from nyiso.da_prices where settlement_point = 'N.Y.C.'""")
    assert row == (2, 2)


def test_real_nyiso_dst_days_day_ahead_25_and_23_hours_in_order(built):
    """Whole real DAM zonal files of a fall-back (2017-11-05: `01:00` as two blocks of 15 zones, first EDT) and a
    spring-forward day (2018-03-11: no `02:00`)."""
    for name, day, hours in (("20171105damlbmp_zone.csv", dt.date(2017, 11, 5), 25),
                             ("20180311damlbmp_zone.csv", dt.date(2018, 3, 11), 23)):
        expected = nyiso_expected([REAL / "nyiso" / name])
        assert len(expected) == 15 * hours
        check_series(built["base"], "nyiso", "da_prices", day, 1, 60, ("CAPITL", "N.Y.C.", "PJM"), expected, 3)
    # CAPITL at the two 01:00 of 2017-11-05: 24.31 (EDT, 05:00Z) then 26.47 (EST, 06:00Z), as the file lists them
    got = query(built["base"], """select datetime, da_lmp from nyiso.da_prices where settlement_point = 'CAPITL'
        and datetime_local = timestamp '2017-11-05 01:00' order by datetime""")
    assert got == [(dt.datetime(2017, 11, 5, 5, tzinfo=UTC), 24.31), (dt.datetime(2017, 11, 5, 6, tzinfo=UTC), 26.47)]


def test_real_nyiso_real_time_files_of_dst_days_as_5_minute_intervals(built):
    """Whole real RTD zonal files (NYISO's own monthly zips): the fall-back day's ends 01:00..01:55 twice, the
    spring-forward day without 02:xx, extra RTD intervals ending off the 5-minute grid."""
    for name, day in (("20221106realtime_zone.csv", dt.date(2022, 11, 6)),
                      ("20220313realtime_zone.csv", dt.date(2022, 3, 13))):
        expected = nyiso_expected([REAL / "nyiso" / name])
        first = dt.datetime.combine(day, dt.time(0), EASTERN).astimezone(UTC)
        got = query(built["base"], """select datetime, settlement_point, rt_lmp, rt_loss, rt_congestion
            from nyiso.rt_prices where datetime >= ? and datetime < ? + interval 25 hour""", [first, first])
        assert len(got) == len({(r[0], r[1]) for r in got}) == len(expected)
        for utc, point, lmp, loss, congestion in got:
            want = expected[("rt_prices", utc, point)]
            assert (lmp, loss, congestion) == pytest.approx((want[0], want[1], 0.0 - want[2]), abs=1e-6)
    nyc = dict(query(built["base"], """select datetime, rt_lmp from nyiso.rt_prices where settlement_point = 'N.Y.C.'
        and datetime between timestamptz '2022-11-06 04:00:00+00' and timestamptz '2022-11-07 02:00:00+00'"""))
    # the two ends written 01:00:00: 24.20 closes 00:55-01:00 EDT (04:55Z), 36.38 closes 01:55 EDT-01:00 EST (05:55Z)
    assert nyc[dt.datetime(2022, 11, 6, 4, 55, tzinfo=UTC)] == 24.20
    assert nyc[dt.datetime(2022, 11, 6, 5, 55, tzinfo=UTC)] == 36.38
    # 20:10-20:15 EST holds three RTD intervals ending 20:13:42 (26.59), 20:14:54 (27.43) and 20:15:00 (27.16):
    # (222 s x 26.59 + 72 s x 27.43 + 6 s x 27.16) / 300 s = 26.803
    assert nyc[dt.datetime(2022, 11, 7, 1, 10, tzinfo=UTC)] == pytest.approx(26.803, abs=1e-9)
    # every 5-minute interval has its value (the file has every on-grid end)
    assert len(nyc) == 22 * 12 + 1  # 04:00Z 11/06 .. 02:00Z 11/07 inclusive, every 5-minute interval present


def test_the_real_isone_real_time_final_report_reaches_stage_2(built):
    expected = {k: v for k, v in isone_expected(built["real_isone"]).items() if k[0] == "rt_hourly"}
    assert len(expected) == sum(1 for line in ISONE_REAL_RT.read_text().splitlines() if line.startswith('"D"'))
    got = query(built["base"], """select datetime, settlement_point, rt_lmp, rt_energy, rt_congestion, rt_loss
        from isone.rt_hourly where datetime_local::date = date '2026-06-02'""")
    assert {("rt_hourly", r[0], r[1]) for r in got} == set(expected)
    assert all(tuple(r[2:]) == expected[("rt_hourly", r[0], r[1])] for r in got)
    # HE 01 (unquoted in this report) of 06/02/2026 EDT: [04:00, 05:00) UTC; the hub's real 34.98
    assert [r[2] for r in got if r[1] == ".H.INTERNAL_HUB" and r[0] == dt.datetime(2026, 6, 2, 4, tzinfo=UTC)] == [34.98]


def test_isone_reserve_prices_as_hourly_means_on_dst_days(built):
    """AS_prices: each hour's 5-minute clearing prices per reserve zone averaged (the repeated hour's 5-minute times
    told apart by order within the zone); 25 hours on the fall-back day, 23 on the spring-forward one."""
    products = {"Ten-Minute Spinning Reserve Clearing Price": "SPIN_10", "Ten-Minute Reserve Clearing Price":
                "RESERVE_10", "Total Reserve Clearing Price": "OPERATING_30"}
    for day in DST_DAYS:
        (path,) = [f for f in built["isone"] if f.name == f"fiveminreserveprice_final_{day:%Y%m%d}.csv"]
        lines = list(csv.reader(io.StringIO(path.read_text(encoding="utf-8"), newline="")))
        header = lines[[c[0] for c in lines].index("H")][1:]
        seen: dict[tuple[str, str], int] = {}
        hours: dict[tuple[dt.datetime, str, str], list[float]] = {}
        for cells in (c for c in lines if c[0] == "D"):
            r = dict(zip(header, cells[1:], strict=True))
            n = seen[(r["Reserve Zone ID"], r["Local Time"])] = seen.get((r["Reserve Zone ID"], r["Local Time"]), 0) + 1
            start = resolve(dt.datetime.strptime(r["Local Time"], "%m/%d/%Y %H:%M"), n)
            for column, product in products.items():
                key = (start.replace(minute=0), r["Reserve Zone Name"], product)
                hours.setdefault(key, []).append(float(r[column]))
        first = dt.datetime.combine(day, dt.time(0), EASTERN).astimezone(UTC)
        last = dt.datetime.combine(day + dt.timedelta(days=1), dt.time(0), EASTERN).astimezone(UTC)
        got = query(built["base"], """select datetime, as_region, as_product, as_price from isone.as_prices
            where datetime >= ? and datetime < ?""", [first, last])
        assert {(r[0], r[1], r[2]) for r in got} == set(hours)
        for utc, zone, product, price in got:
            values = hours[(utc, zone, product)]
            assert len(values) == 12 and price == pytest.approx(sum(values) / 12, abs=1e-6)
        assert len({r[0] for r in got}) == day_hours(day)


@pytest.mark.parametrize("start,days", DST_WINDOWS)
def test_nyiso_real_time_ancillary_prices_by_time_zone_on_dst_days(built, start, days):
    """rtasp: 5-minute interval ends, the repeated hour's pass from the Time Zone column; 23 / 25 hours."""
    end = start + dt.timedelta(days=days)
    files = [f for f in built["nyiso"] if f.name.endswith("rtasp.csv")
             and start <= dt.datetime.strptime(f.name[:8], "%Y%m%d").date() < end]
    expected = nyiso_expected(files)
    first = dt.datetime.combine(start, dt.time(0), EASTERN).astimezone(UTC)
    last = dt.datetime.combine(end, dt.time(0), EASTERN).astimezone(UTC)
    with (Path(__file__).parents[2] / "seeds" / "as_products.csv").open(newline="") as fh:
        ours = {r["as_product"]: r["iso_product"] for r in csv.DictReader(fh) if r["iso"] == "NYISO"}
    got = query(built["base"], """select datetime, as_region, as_product, as_price, datetime_local
        from nyiso.rt_as_prices where datetime >= ? and datetime < ?""", [first, last])
    assert len(got) == len({r[:3] for r in got}) == len(expected)
    assert all((r[3],) == pytest.approx(expected[("rt_as_prices", r[0], f"{r[1]}|{ours[r[2]]}")], abs=1e-6)
               for r in got)  # the interval with the two off-grid RTD ends: time-weighted
    for day in (start + dt.timedelta(days=i) for i in range(days)):
        intervals = {r[0] for r in got if r[4].date() == day and r[1] == "N.Y.C." and r[2] == "REG_MOVEMENT"}
        assert len(intervals) == day_hours(day) * 12
