"""SPP through every stage: the real files (fixtures/real_samples/spp: a 2026 DA file with the BAA column, a
5-minute RTBM interval file, an excerpt of a daily roll-up with its own header, SPP's 2025 DA-MCP files of both DST
days; and, built on their own through Stages 2-3, SPP's whole 2022 spring-forward DA-LMP-SL file and the 2022
DA-MCP files before the uncertainty product) and the generated sample (DA and
RTBM, interval files on the DST days, daily roll-ups on the others) around both DST days of 2024 and 2025 and the
2026 fall-back day in the BAA layout are landed, built with `dbt build --select tag:spp`, and Stage 2 and Stage 3 are
compared with the raw files, read here with Python's csv: every row carries its interval END in GMT, so the UTC
start is GMT end - grain, and the local columns must be that instant on America/Chicago's clock (23 hours on a
spring-forward day, 25 on a fall-back day). A row whose local stamp disagrees with its GMT stamp fails the build."""

from __future__ import annotations

import csv
import datetime as dt
import json
import shutil
from pathlib import Path

import pytest

from conftest import REAL, build, landed_entries, quarantine_reasons, query
from ingest.catalog import timezone
from ingest.landing import land
from ingest.sample.spp import HEADER, HEADER_BAA, HEADER_DAILY, HEADER_MCP, generate_spp

UTC = dt.UTC
CENTRAL = timezone("SPP")  # America/Chicago
SPP_REAL = REAL / "spp" / "jleighfields_spp_weis_price_forecast"
REAL_DA = SPP_REAL / "DA-LMP-SL-202606010100__FIXTURE.csv"
REAL_RT = SPP_REAL / "RTBM-LMP-SL-202507011205.csv"
REAL_DAILY = SPP_REAL / "RTBM-LMP-DAILY-SL-20250701__EXCERPT.csv"
# SPP's own DA-MCP files of both 2025 DST days, whole (fixtures/real_samples/MANIFEST.md)
MCP_REAL = REAL / "spp" / "jessicacohen554_market_simulator"
REAL_MCP = (MCP_REAL / "DA-MCP-202503090100.csv", MCP_REAL / "DA-MCP-202511020100.csv")
MCP_PRODUCTS = {"RegUP": "REG_UP", "RegDN": "REG_DOWN", "Spin": "SPIN", "Supp": "SUPPLEMENTAL", "RampUP": "RAMP_UP",
                "RampDN": "RAMP_DOWN", "UncUP": "UNCERTAINTY_UP"}
# around the Central DST days: spring forward 2024-03-10, 2025-03-09; fall back 2024-11-03, 2025-11-02, 2026-11-01
DST_WINDOWS = ((dt.date(2024, 3, 9), 3), (dt.date(2024, 11, 2), 3), (dt.date(2025, 3, 8), 3),
               (dt.date(2025, 11, 1), 3), (dt.date(2026, 10, 31), 2))
DST_DAYS = (dt.date(2024, 3, 10), dt.date(2024, 11, 3), dt.date(2025, 3, 9), dt.date(2025, 11, 2), dt.date(2026, 11, 1))
FORMATS = ("%m/%d/%Y %H:%M:%S", "%m/%d/%Y %H:%M")  # SPP's, and the real 2026 DA file's spreadsheet form


def spp_time(text: str) -> dt.datetime:
    for fmt in FORMATS:
        try:
            return dt.datetime.strptime(text.strip(), fmt)
        except ValueError:
            continue
    raise ValueError(text)


def read_file(path: Path) -> list[dict[str, str]]:
    """The rows of a raw SPP file, header cells trimmed (the daily roll-up has a space after each comma) and the
    roll-up's names turned into the interval files' (GMT Interval -> GMTIntervalEnd, ...)."""
    rename = {"GMT Interval": "GMTIntervalEnd", "Settlement Location Name": "Settlement Location", "PNODE Name": "Pnode"}
    with path.open(newline="", encoding="utf-8") as fh:
        reader = csv.reader(fh)
        header = [rename.get(c.strip(), c.strip()) for c in next(reader)]
        return [dict(zip(header, row, strict=True)) for row in reader]


def expected_prices(paths: list[Path], minutes: int) -> dict[tuple[dt.datetime, str], dict[str, float]]:
    """(UTC interval start, settlement location) -> LMP and components, from the GMT interval end of each row."""
    out = {}
    for path in paths:
        for r in read_file(path):
            start = spp_time(r["GMTIntervalEnd"]).replace(tzinfo=UTC) - dt.timedelta(minutes=minutes)
            out[(start, r["Settlement Location"])] = {
                "lmp": float(r["LMP"]), "energy": float(r["MEC"]), "congestion": float(r["MCC"]),
                "loss": float(r["MLC"]), "local_end": spp_time(r["Interval"])}
    return out


def operating_day(path: Path) -> dt.date:
    """The operating day of a generated file: its By_Interval folder (YYYY/MM/By_Interval/DD: the file ending at
    00:00 is the previous day's), else the date in its name."""
    if "By_Interval" in path.parts:
        return dt.date(int(path.parts[-5]), int(path.parts[-4]), int(path.parts[-2]))
    return dt.datetime.strptime(path.name.split("-")[-1][:8], "%Y%m%d").date()


def day_hours(day: dt.date) -> int:
    """Hours of a Central operating day as America/Chicago implies (23, 24 or 25)."""
    a = dt.datetime.combine(day, dt.time(0), CENTRAL).astimezone(UTC)
    b = dt.datetime.combine(day + dt.timedelta(days=1), dt.time(0), CENTRAL).astimezone(UTC)
    return int((b - a).total_seconds() // 3600)


@pytest.fixture(scope="module")
def spp(tmp_path_factory) -> dict:
    tmp = tmp_path_factory.mktemp("spp")
    base = tmp / "data"
    generated = []
    for start, days in DST_WINDOWS:
        window = [start + dt.timedelta(days=i) for i in range(days)]
        # 2025's DA-MCP files are SPP's real ones (REAL_MCP), not generated
        datasets = ("DA_prices", "RT_prices", "RT_AS_prices") + (() if start.year == 2025 else ("AS_prices",))
        generated += generate_spp(tmp / "sample", start=start, days=days, datasets=datasets,
                                  interval_days=[d for d in window if d in DST_DAYS[:2] + DST_DAYS[4:]])
    summary = land("SPP", [SPP_REAL, MCP_REAL, tmp / "sample"], base=base)
    assert not summary.quarantined and summary.n_landed == 3 + 2 + len(generated), summary.render()
    statuses = build(base, "--select", "tag:spp", "source:landing")
    assert statuses["__returncode__"] == 0, statuses["__log__"][-5000:]
    results = json.loads((base / "dbt_target" / "run_results.json").read_text())["results"]
    errors = {r["unique_id"]: r["status"] for r in results if r["status"] in ("error", "fail")}
    assert not errors, errors  # the gaps between the windows are warnings, never errors
    ran = [n for n, s in statuses.items() if "accepted_values_stg_spp" in n and s == "pass"]
    assert len(ran) == 7, ran  # the local-vs-GMT check ran on every staging model
    return {"base": base, "generated": generated}


def test_the_real_files_land_in_their_formats(spp):
    formats = {e["file_name"]: e["format"] for e in landed_entries(spp["base"], "SPP")}
    assert formats[REAL_DA.name] == "da_lmp_sl_baa"  # the 2026 header with BAA
    assert formats[REAL_RT.name] == "rtbm_lmp_sl"
    assert formats[REAL_DAILY.name] == "rtbm_lmp_daily_sl"  # spaces after commas, other names
    assert {formats[p.name] for p in REAL_MCP} == {"da_mcp"}
    assert REAL_DAILY.read_text().splitlines()[0] == HEADER_DAILY  # the quirk is in the file
    assert {e["format"] for e in landed_entries(spp["base"], "SPP")} == {
        "da_lmp_sl_baa", "da_lmp_sl", "rtbm_lmp_sl", "rtbm_lmp_daily_sl", "da_mcp", "rtbm_mcp", "rtbm_mcp_daily"}
    # (generated 2024/2025 DA: no BAA)


def test_the_real_da_file_reaches_stage_2_with_its_prices_at_the_gmt_hours(spp):
    expected = expected_prices([REAL_DA], 60)
    assert len(expected) == 12
    got = query(spp["base"], """select datetime, settlement_point, datetime_local, hour_ending, da_lmp, da_energy,
        da_congestion, da_loss, settlement_type, source_file from spp.da_prices
        where datetime::date = date '2026-06-01' order by all""")
    assert {(r[0], r[1]) for r in got} == set(expected)
    for utc, point, local, he, lmp, energy, mcc, mlc, kind, source in got:
        want = expected[(utc, point)]
        assert (lmp, energy, mcc, mlc) == (want["lmp"], want["energy"], want["congestion"], want["loss"])
        assert local == utc.astimezone(CENTRAL).replace(tzinfo=None) and he == local.hour + 1
        assert local + dt.timedelta(hours=1) == want["local_end"]  # the file's local Interval agrees
        assert kind == ("HUB" if point.endswith("_HUB") else "NODE") and source.endswith(REAL_DA.name)
    # HE 1 of 2026-06-01 (CDT) is [05:00, 06:00) UTC: the file's GMTIntervalEnd 06:00 - 1 hour
    first = read_file(REAL_DA)[0]
    assert (first["Interval"], first["GMTIntervalEnd"]) == ("6/1/2026 01:00", "6/1/2026 06:00")
    assert {r[0] for r in got if r[1] == first["Settlement Location"]} >= {dt.datetime(2026, 6, 1, 5, tzinfo=UTC)}


def test_the_real_da_mcp_files_reach_stages_2_and_3_with_23_and_25_hours(spp):
    """SPP's own DA-MCP files of 2025-03-09 (no hour ending 02:00) and 2025-11-02 (`02:00:00` twice: GMT 07:00 and
    08:00, the first labelled with the daylight-time name): every price at its GMT hour, none lost or doubled."""
    expected = {}
    for path in REAL_MCP:
        for r in read_file(path):
            start = spp_time(r["GMTIntervalEnd"]).replace(tzinfo=UTC) - dt.timedelta(hours=1)
            for column, product in MCP_PRODUCTS.items():
                expected[(start, r["Reserve Zone"], product)] = float(r[column])
    assert len(expected) == (23 + 25) * 6 * 7
    got = query(spp["base"], """select datetime, as_region, as_product, as_price, datetime_local from spp.as_prices
        where datetime_local::date in (date '2025-03-09', date '2025-11-02')""")
    assert {(t, z, p): v for t, z, p, v, _ in got} == expected and len(got) == len(expected)
    hours = {}
    for t, *_, local in got:
        assert local == t.astimezone(CENTRAL).replace(tzinfo=None)
        hours.setdefault(local.date(), set()).add(t)
    assert {d: len(ts) for d, ts in hours.items()} == {dt.date(2025, 3, 9): 23, dt.date(2025, 11, 2): 25}
    repeated = [r for r in read_file(REAL_MCP[1]) if r["Interval"] == "11/02/2025 02:00:00" and r["Reserve Zone"] == "1"]
    assert [r["GMTIntervalEnd"] for r in repeated] == ["11/02/2025 07:00:00", "11/02/2025 08:00:00"]  # the quirk
    first_pass = dt.datetime(2025, 11, 2, 6, tzinfo=UTC)
    (row,) = query(spp["base"], 'select "REG_UP_1", "SPIN_SPP" from spp.flat_as_prices where datetime = ?',
                   [first_pass])
    assert list(row) == [expected[(first_pass, "1", "REG_UP")], expected[(first_pass, "SPP", "SPIN")]]


def test_the_unpadded_date_form_is_accepted_on_purpose_and_iso_dates_are_not():
    """The real 2026 DA file writes `6/1/2026 01:00` (probably re-saved by a spreadsheet); SPP publishes
    `10/04/2026 01:00:00`. Both are read (macro spp_timestamp): month first and whole minutes, checked GMT against
    local on every row. ISO 8601 or day-first text is not SPP's and is refused (the build fails, see below)."""
    assert spp_time("6/1/2026 01:00") == spp_time("06/01/2026 01:00:00") == dt.datetime(2026, 6, 1, 1)
    macro = (Path(__file__).parents[2] / "macros" / "time" / "spp_time.sql").read_text()
    assert "['%m/%d/%Y %H:%M:%S', '%m/%d/%Y %H:%M']" in macro


def test_the_real_rtbm_files_reach_stage_2_interval_and_daily_roll_up(spp):
    expected = expected_prices([REAL_RT, REAL_DAILY], 5)
    assert len(expected) == 3 + 12
    got = query(spp["base"], """select datetime, settlement_point, datetime_local, interval_minutes, rt_lmp, rt_energy,
        rt_congestion, rt_loss from spp.rt_prices where datetime::date = date '2025-07-01' order by all""")
    assert {(r[0], r[1]) for r in got} == set(expected)
    for utc, point, local, minutes, lmp, energy, mcc, mlc in got:
        want = expected[(utc, point)]
        assert (lmp, energy, mcc, mlc) == (want["lmp"], want["energy"], want["congestion"], want["loss"])
        assert minutes == 5 and local + dt.timedelta(minutes=5) == want["local_end"]
    # the interval file ending 12:05 CDT is [17:00, 17:05) UTC
    assert (dt.datetime(2025, 7, 1, 17, 0, tzinfo=UTC), "SPPNORTH_HUB") in expected


def test_stage_3_wide_holds_the_real_lmps(spp):
    expected = expected_prices([REAL_DA], 60)
    hours = sorted({utc for utc, _ in expected})
    got = query(spp["base"], """select datetime, "AEC", "CISO", "SPPNORTH_HUB", "SWPW_HUB" from spp.flat_da_prices
        where datetime between ? and ? order by datetime""", [hours[0], hours[-1]])
    assert [r[0] for r in got] == hours
    for utc, *values in got:
        assert values == [expected[(utc, p)]["lmp"] for p in ("AEC", "CISO", "SPPNORTH_HUB", "SWPW_HUB")]
    expected = expected_prices([REAL_RT], 5)
    (row,) = query(spp["base"], """select "AEC", "SPPNORTH_HUB", "SPPSOUTH_HUB" from spp.flat_rt_prices
        where datetime = timestamptz '2025-07-01 17:00:00+00'""")
    start = dt.datetime(2025, 7, 1, 17, tzinfo=UTC)
    assert list(row) == [expected[(start, p)]["lmp"] for p in ("AEC", "SPPNORTH_HUB", "SPPSOUTH_HUB")]


@pytest.mark.parametrize("start,days", DST_WINDOWS)
@pytest.mark.parametrize("dataset,table,minutes", [("DA", "da_prices", 60), ("RT", "rt_prices", 5)])
def test_dst_days_continuous_utc_no_duplicates_and_chicago_hour_counts(spp, start, days, dataset, table, minutes):
    end = start + dt.timedelta(days=days)
    files = [f for f in spp["generated"] if f.name.startswith("DA-LMP-" if dataset == "DA" else "RTBM-LMP-")
             and start <= operating_day(f) < end]
    expected = expected_prices(files, minutes)
    first = dt.datetime.combine(start, dt.time(0), CENTRAL).astimezone(UTC)
    last = dt.datetime.combine(end, dt.time(0), CENTRAL).astimezone(UTC)
    got = query(spp["base"], f"""select datetime, settlement_point, datetime_local, hour_ending, {dataset.lower()}_lmp
        from spp.{table} where datetime >= ? and datetime < ? order by all""", [first, last])
    assert len(got) == len({(r[0], r[1]) for r in got})  # no duplicates
    assert {(r[0], r[1]) for r in got} == set(expected)
    for point in ("SPPNORTH_HUB", "AEC"):
        times = [r[0] for r in got if r[1] == point]
        n = int((last - first).total_seconds() // 60 // minutes)
        assert times == [first + dt.timedelta(minutes=minutes * i) for i in range(n)]  # continuous
        per_day: dict[dt.date, int] = {}
        for utc, _, local, he, lmp in (r for r in got if r[1] == point):
            per_day[local.date()] = per_day.get(local.date(), 0) + 1
            assert local == utc.astimezone(CENTRAL).replace(tzinfo=None) and he == local.hour + 1
            assert lmp == expected[(utc, point)]["lmp"]
        assert per_day == {start + dt.timedelta(days=i): day_hours(start + dt.timedelta(days=i)) * 60 // minutes
                           for i in range(days)}
    dst = next(d for d in DST_DAYS if start <= d < end)
    assert day_hours(dst) == (23 if dst.month == 3 else 25)


def test_the_generated_sample_keeps_the_real_files_quirks(tmp_path):
    fall = dt.date(2024, 11, 3)
    paths = generate_spp(tmp_path, start=fall, days=1, interval_days=[fall])
    names = [p.name for p in paths]
    assert len([n for n in names if n.startswith("RTBM-LMP-SL-")]) == 300  # 25 hours of 5-minute files
    suffixed = sorted(n for n in names if n.endswith("d.csv") and n.startswith("RTBM-LMP-"))
    # the end at the clock change (07:00 GMT) is named 02:00 (daylight time, as SPP's real DA-MCP files write it), so
    # 01:00 comes once and the second passes are 01:05..01:55 and 02:00 (gridstatus #357 / PR #470: 0105d..)
    assert suffixed == [f"RTBM-LMP-SL-20241103{m}d.csv" for m in [f"01{x:02d}" for x in range(5, 60, 5)] + ["0200"]]
    assert sorted(n for n in names if n.endswith("d.csv") and n.startswith("RTBM-MCP-")) == \
        [n.replace("RTBM-LMP-SL-", "RTBM-MCP-") for n in suffixed]  # the MCP interval files are named alike
    rt_mcp_daily = generate_spp(tmp_path / "m", start=fall, days=1, interval_days=[], datasets=("RT_AS_prices",))
    assert rt_mcp_daily[0].read_text().splitlines()[0].split(",")[6] == " RegDNMile"  # the quoted sample's space
    last = next(p for p in paths if p.name == "RTBM-LMP-SL-202411040000.csv")
    assert last.parent.name == "03"  # hour ending 24 in its operating day's folder
    assert last.read_text().splitlines()[0] == REAL_RT.read_text().splitlines()[0] == HEADER
    rows = read_file(next(p for p in paths if p.name.startswith("DA-LMP-")))
    assert len({r["GMTIntervalEnd"] for r in rows}) == 25
    # hour ending 02:00 twice, as in SPP's real fall-back DA-MCP file
    assert sorted({(r["Interval"], r["GMTIntervalEnd"]) for r in rows if r["Interval"].endswith(" 02:00:00")}) == \
        [("11/03/2024 02:00:00", "11/03/2024 07:00:00"), ("11/03/2024 02:00:00", "11/03/2024 08:00:00")]
    mcp = next(p for p in paths if p.name.startswith("DA-MCP-"))  # 2024: before the uncertainty product
    assert mcp.read_text().splitlines()[0] == QUEST_MCP[1].read_text().splitlines()[0] == \
        HEADER_MCP.removesuffix(",UncUP")
    assert [r["Reserve Zone"] for r in read_file(mcp)][:6] == [r["Reserve Zone"] for r in read_file(REAL_MCP[1])][:6]
    mcp_2025 = generate_spp(tmp_path / "u", start=dt.date(2025, 11, 2), days=1, datasets=("AS_prices",))[0]
    assert mcp_2025.read_text().splitlines()[0] == REAL_MCP[1].read_text().splitlines()[0] == HEADER_MCP
    # as SPP's full DA file: every hour the locations in ASCII order, real names with their real pnodes, locations
    # sharing a pnode with the same prices
    real = read_file(QUEST_DA)
    real_order = [r["Settlement Location"] for r in real if r["GMTIntervalEnd"] == real[0]["GMTIntervalEnd"]]
    assert real_order == sorted(real_order)
    by_hour: dict[str, list[dict[str, str]]] = {}
    for r in rows:
        by_hour.setdefault(r["GMTIntervalEnd"], []).append(r)
    orders = {tuple(r["Settlement Location"] for r in block) for block in by_hour.values()}
    assert len(orders) == 1 and list(next(iter(orders))) == sorted(next(iter(orders)))
    assert {(r["Settlement Location"], r["Pnode"]) for r in rows} <= {(r["Settlement Location"], r["Pnode"]) for r in real}
    prices: dict[tuple[str, str], set] = {}
    for r in rows:
        prices.setdefault((r["GMTIntervalEnd"], r["Pnode"]), set()).add((r["LMP"], r["MLC"], r["MCC"], r["MEC"]))
    assert len({r["Pnode"] for r in rows}) < len({r["Settlement Location"] for r in rows})
    assert all(len(v) == 1 for v in prices.values())
    assert rows[-1]["Interval"] == "11/04/2024 00:00:00"  # hour ending 24 written as the next day's 00:00
    # the daily roll-up's header and the 2026 layout: BAA third in DA, SWPW block after every SPP row (not sorted)
    daily = generate_spp(tmp_path / "d", start=dt.date(2024, 11, 2), days=1, interval_days=[])
    roll_up = next(p for p in daily if "DAILY" in p.name)
    assert roll_up.read_text().splitlines()[0] == REAL_DAILY.read_text().splitlines()[0]
    west = generate_spp(tmp_path / "w", start=dt.date(2026, 6, 2), days=1)
    da = next(p for p in west if p.name.startswith("DA-LMP-"))
    assert da.read_text().splitlines()[0] == REAL_DA.read_text().splitlines()[0] == HEADER_BAA
    baa = [r["BAA"] for r in read_file(da)]
    assert baa == sorted(baa, key=["SPP", "SWPW"].index) and baa[-1] == "SWPW"
    stamps = [r["GMTIntervalEnd"] for r in read_file(da)]
    assert stamps != sorted(stamps)
    rt = next(p for p in west if p.name.startswith("RTBM-LMP-SL-"))
    assert rt.read_text().splitlines()[0] == HEADER + ",BAA"


@pytest.mark.parametrize("line,reason", [
    ("INTERVAL,GMTINTERVALEND,BAA,SETTLEMENT_LOCATION,PNODE,LMP,MLC,MCC,MEC",
     "header differs from the registered header of DA-LMP-SL"),
    ("Interval,GMTIntervalEnd,Settlement Location,Pnode,LMP,MCC,MLC,MEC", "header differs"),
])
def test_an_unknown_header_is_quarantined_saying_why(tmp_path, line, reason):
    path = tmp_path / REAL_DA.name
    path.write_text("\n".join([line] + REAL_DA.read_text().splitlines()[1:]) + "\n")
    summary = land("SPP", [path], base=tmp_path / "data")
    assert summary.n_landed == 0 and len(summary.quarantined) == 1
    (record,) = quarantine_reasons(tmp_path / "data", "SPP")
    assert reason in record["reason"], record["reason"]


@pytest.mark.parametrize("old,new,failing", [
    # a local stamp an hour off its GMT stamp: the staging test fails, the row is never silently used
    ("07/01/2025 12:05:00,07/01/2025 17:05:00", "07/01/2025 11:05:00,07/01/2025 17:05:00", "accepted_values_stg_spp"),
    # a date form SPP does not write: strptime fails the staging model
    ("07/01/2025 12:05:00,07/01/2025 17:05:00", "2025-07-01 12:05:00,2025-07-01 17:05:00", "stg_spp__rtbm_lmp_sl"),
    # SPP's fall-back DA-MCP file with the repeated hour's second row named 01:00 (neither name of 08:00 GMT)
    ("11/02/2025 02:00:00,11/02/2025 08:00:00,1,", "11/02/2025 01:00:00,11/02/2025 08:00:00,1,",
     "accepted_values_stg_spp"),
])
def test_a_local_stamp_disagreeing_with_gmt_or_an_unknown_date_form_fails_the_build(tmp_path, old, new, failing):
    real = REAL_MCP[1] if old.startswith("11/02") else REAL_RT
    path = tmp_path / "in" / real.name
    path.parent.mkdir()
    text = real.read_text()
    assert old in text
    path.write_text(text.replace(old, new, 1))
    base = tmp_path / "data"
    assert land("SPP", [path.parent], base=base).n_landed == 1
    model = "stg_spp__da_mcp" if real in REAL_MCP else "stg_spp__rtbm_lmp_sl"
    statuses = build(base, "--select", f"{model}+1", "source:landing")
    assert statuses["__returncode__"] != 0
    assert any(failing in name and status in ("fail", "error") for name, status in statuses.items()), statuses
    shutil.rmtree(base / "dbt_target", ignore_errors=True)


def expected_mcps(paths: list[Path]) -> dict[tuple[dt.datetime, str, str], float]:
    """(UTC hour start, reserve zone, product upper-cased) -> MCP from raw DA-MCP files."""
    out = {}
    for path in paths:
        for r in read_file(path):
            start = spp_time(r["GMTIntervalEnd"]).replace(tzinfo=UTC) - dt.timedelta(hours=1)
            for product in ("RegUP", "RegDN", "RampUP", "RampDN", "Spin", "Supp", "UncUP"):
                if product in r:  # no UncUP before the uncertainty product
                    out[(start, r["Reserve Zone"], product.upper())] = float(r[product])
    return out


@pytest.mark.parametrize("start,days", DST_WINDOWS)
def test_as_prices_match_the_raw_files_on_the_dst_days(spp, start, days):
    end = start + dt.timedelta(days=days)
    files = [f for f in [*spp["generated"], *REAL_MCP] if f.name.startswith("DA-MCP-") and start <= operating_day(f) < end]
    expected = expected_mcps(files)  # 2025: SPP's real file of the DST day only
    first = dt.datetime.combine(start, dt.time(0), CENTRAL).astimezone(UTC)
    last = dt.datetime.combine(end, dt.time(0), CENTRAL).astimezone(UTC)
    got = query(spp["base"], """select datetime, as_region, as_product, as_price from spp.as_prices
        where datetime >= ? and datetime < ?""", [first, last])
    with (Path(__file__).parents[2] / "seeds" / "as_products.csv").open(newline="") as fh:
        names = {r["iso_product"]: r["as_product"] for r in csv.DictReader(fh) if r["iso"] == "SPP"}
    assert {(t, z, p): v for t, z, p, v in got} == {(t, z, names[p]): v for (t, z, p), v in expected.items()}
    assert {p for _, _, p, _ in got} == {names[p] for _, _, p in expected} and len(set(names.values())) == 9
    assert len({t for t, *_ in got}) == sum(day_hours(d) for d in {operating_day(f) for f in files})


@pytest.mark.parametrize("start,days", DST_WINDOWS)
def test_rt_as_prices_match_the_raw_files_on_the_dst_days(spp, start, days):
    """RTBM MCPs (interval files on the DST days, daily roll-ups on the others) at their GMT interval ends: every
    5-minute interval of the Central days (276 / 300 on the DST days), every product, nothing lost or doubled; Stage 3
    holds them wide."""
    end = start + dt.timedelta(days=days)
    files = [f for f in spp["generated"] if f.name.startswith("RTBM-MCP-") and start <= operating_day(f) < end]
    expected = {}
    for path in files:
        for r in read_file(path):
            utc = spp_time(r["GMTIntervalEnd"]).replace(tzinfo=UTC) - dt.timedelta(minutes=5)
            for column in ("RegUPService", "RegDNService", "RegUpMile", "RegDNMile", "RampUP", "RampDN", "Spin", "Supp",
                           "UncUP"):
                expected[(utc, r["Reserve Zone"], column.upper())] = float(r[column])
    first = dt.datetime.combine(start, dt.time(0), CENTRAL).astimezone(UTC)
    last = dt.datetime.combine(end, dt.time(0), CENTRAL).astimezone(UTC)
    got = query(spp["base"], """select datetime, as_region, as_product, as_price from spp.rt_as_prices
        where datetime >= ? and datetime < ?""", [first, last])
    with (Path(__file__).parents[2] / "seeds" / "as_products.csv").open(newline="") as fh:
        names = {r["iso_product"]: r["as_product"] for r in csv.DictReader(fh) if r["iso"] == "SPP"}
    assert {(t, z, p): v for t, z, p, v in got} == {(t, z, names[p]): v for (t, z, p), v in expected.items()}
    assert len(got) == len(expected)
    assert len({t for t, *_ in got}) == sum(day_hours(start + dt.timedelta(days=i)) for i in range(days)) * 12
    t, zone, product = min(expected)
    (row,) = query(spp["base"], f'select "{names[product]}_{zone}" from spp.flat_rt_as_prices where datetime = ?', [t])
    assert row[0] == expected[(t, zone, product)]


def test_stage_4_hourly_holds_da_as_and_the_rt_hour_from_the_raw_files(spp):
    """On the 2024 fall-back day (5-minute files): DA, AS and the RT hourly mean of SPPNORTH_HUB in one row."""
    day = dt.date(2024, 11, 3)
    rt = expected_prices([f for f in spp["generated"] if f.name.startswith("RTBM-LMP-") and operating_day(f) == day], 5)
    da = expected_prices([f for f in spp["generated"] if f.name.startswith("DA-LMP") and operating_day(f) == day], 60)
    columns = [c for (c,) in query(spp["base"], """select column_name from information_schema.columns
        where table_schema = 'spp' and table_name = 'da_as_rt_hourly' order by ordinal_position""")]
    rt_avg = next(c for c in columns if "SPPNORTH_HUB" in c and "RT_AVG" in c.upper())
    da_col = next(c for c in columns if "SPPNORTH_HUB" in c and c.upper().startswith("DA"))
    hour = dt.datetime(2024, 11, 3, 7, tzinfo=UTC)  # 01:00 CST, the second 01:00 of the day
    (row,) = query(spp["base"], f"""select "{da_col}", "{rt_avg}" from spp.da_as_rt_hourly where datetime = ?""", [hour])
    assert row[0] == da[(hour, "SPPNORTH_HUB")]["lmp"]
    fives = [rt[(hour + dt.timedelta(minutes=5 * i), "SPPNORTH_HUB")]["lmp"] for i in range(12)]
    assert row[1] == pytest.approx(sum(fives) / 12, abs=1e-9)


def test_an_as_file_in_an_unseen_layout_is_quarantined(tmp_path):
    """Files before the ramp products are not described anywhere: that layout is not guessed at but quarantined,
    saying why."""
    path = tmp_path / "DA-MCP-202001010100.csv"
    path.write_text("Interval,GMTIntervalEnd,Reserve Zone,RegUP,RegDN,Spin,Supp\n"
                    "01/01/2020 01:00:00,01/01/2020 07:00:00,1,9.1000,6.2000,4.0000,1.0000\n")
    summary = land("SPP", [path], base=tmp_path / "data")
    assert summary.n_landed == 0 and len(summary.quarantined) == 1
    (record,) = quarantine_reasons(tmp_path / "data", "SPP")
    assert "header differs from the registered header of DA-MCP" in record["reason"], record["reason"]


def test_a_da_mcp_file_before_the_uncertainty_product_lands_without_it(tmp_path):
    """One project describes SPP's 2023/2024 DA-MCP files as the 2025 header without UncUP (the last column): such a
    file lands (UncUP read as NULL) and Stage 2 holds its six products and no uncertainty rows. Built here from the
    real spring-forward file with its last column cut."""
    lines = [line.rsplit(",", 1)[0] for line in REAL_MCP[0].read_text().splitlines()]
    assert lines[0] == HEADER_MCP.rsplit(",", 1)[0]
    path = tmp_path / "in" / REAL_MCP[0].name
    path.parent.mkdir()
    path.write_text("\n".join(lines) + "\n")
    base = tmp_path / "data"
    summary = land("SPP", [path.parent], base=base)
    assert summary.n_landed == 1 and not summary.quarantined, summary.render()
    statuses = build(base, "--select", "+spp_as_prices")
    assert statuses["__returncode__"] == 0, statuses["__log__"][-3000:]
    got = query(base, "select as_product, count(*), count(distinct datetime) from spp.as_prices group by all")
    assert {p: (n, hours) for p, n, hours in got} == {
        p: (23 * 6, 23) for p in ("REG_UP", "REG_DOWN", "SPIN", "SUPPLEMENTAL", "RAMP_UP", "RAMP_DOWN")}


# SPP's own 2022 files, whole, as QuESt's data manager downloaded them (fixtures/real_samples/MANIFEST.md): the DA-MCP
# files of the spring-forward day and the day before, in the header before the uncertainty product (no UncUP), and
# the full DA-LMP-SL file of the spring-forward day (pre-BAA header, 23 hours x 1,113 settlement locations)
QUEST = REAL / "spp" / "sandialabs_snl_quest"
QUEST_MCP = (QUEST / "DA-MCP-202203120100.csv", QUEST / "DA-MCP-202203130100.csv")
QUEST_DA = QUEST / "DA-LMP-SL-202203130100.csv"
SPRING_2022 = dt.date(2022, 3, 13)


@pytest.fixture(scope="module")
def quest(tmp_path_factory) -> Path:
    """The three real 2022 files landed (nothing quarantined) and built through Stages 2-3 with every test."""
    base = tmp_path_factory.mktemp("spp_quest") / "data"
    summary = land("SPP", [QUEST], base=base)
    assert not summary.quarantined and summary.n_landed == 3, summary.render()
    statuses = build(base, "--select", "+spp_flat_da_prices", "+spp_flat_as_prices")
    assert statuses["__returncode__"] == 0, statuses["__log__"][-5000:]
    assert any("accepted_values_stg_spp__da_lmp_sl" in n and s == "pass" for n, s in statuses.items())
    assert any("accepted_values_stg_spp__da_mcp" in n and s == "pass" for n, s in statuses.items())
    return base


def test_the_real_2022_files_land_in_the_pre_baa_and_pre_uncup_layouts(quest):
    formats = {e["file_name"]: e["format"] for e in landed_entries(quest, "SPP")}
    assert formats == {QUEST_DA.name: "da_lmp_sl", QUEST_MCP[0].name: "da_mcp", QUEST_MCP[1].name: "da_mcp"}
    assert QUEST_DA.read_text().splitlines()[0] == HEADER  # seen: the layout before the BAA column
    for path in QUEST_MCP:  # seen: the header before the uncertainty product, the 2025 one without its last column
        assert path.read_text().splitlines()[0] == HEADER_MCP.removesuffix(",UncUP")


def test_the_real_2022_da_lmp_file_reaches_stages_2_and_3_whole_at_its_gmt_hours(quest):
    """Every price of the full spring-forward file at its GMT hour: 23 hours (no hour ending 02:00, the local label
    jumps from 01:00 to 03:00) x 1,113 settlement locations, none lost or doubled; Stage 3 holds every one wide."""
    expected = expected_prices([QUEST_DA], 60)
    raw = read_file(QUEST_DA)
    assert len(raw) == len(expected) == 23 * 1113  # the raw file has no duplicate (hour, location)
    assert [r["Interval"][11:] for r in raw[1112:1114]] == ["01:00:00", "03:00:00"]
    got = query(quest, """select datetime, settlement_point, datetime_local, hour_ending, da_lmp, da_energy,
        da_congestion, da_loss from spp.da_prices""")
    assert len(got) == len({(r[0], r[1]) for r in got}) == len(expected)
    assert {(r[0], r[1]) for r in got} == set(expected)
    pnodes = {r["Settlement Location"]: r["Pnode"] for r in raw}
    for utc, point, local, he, lmp, energy, mcc, mlc in got:
        want = expected[(utc, point)]
        assert (lmp, energy, mcc, mlc) == (want["lmp"], want["energy"], want["congestion"], want["loss"])
        assert local == utc.astimezone(CENTRAL).replace(tzinfo=None) and he == local.hour + 1
        # the file's local Interval is the hour's end on Chicago's clock (01:00 CST -> 03:00 CDT across the change)
        assert (utc + dt.timedelta(hours=1)).astimezone(CENTRAL).replace(tzinfo=None) == want["local_end"]
    assert dict(query(quest, "select distinct settlement_point, pnode from spp.stg_spp__da_lmp_sl")) == pnodes
    hours = sorted({t for t, _ in expected})
    assert hours == [dt.datetime(2022, 3, 13, 6, tzinfo=UTC) + dt.timedelta(hours=i) for i in range(23)]
    assert {local.date() for _, _, local, *_ in got} == {SPRING_2022}
    assert len({p for _, p in expected}) == 1113 and len(set(pnodes.values())) == 1065  # pnodes shared
    # Stage 3: one column per settlement location (besides datetime and the year partition), every hour, every price
    names = [c for (c,) in query(quest, """select column_name from information_schema.columns
        where table_schema = 'spp' and table_name = 'flat_da_prices' order by ordinal_position""")]
    columns = [c for c in names if c not in ("datetime", "year")]
    assert set(columns) == {p for _, p in expected} and len(columns) == 1113
    wide = query(quest, "select * from spp.flat_da_prices order by datetime")
    assert [row[0] for row in wide] == hours
    for row in wide:
        values = dict(zip(names, row, strict=True))
        assert all(values[p] == expected[(row[0], p)]["lmp"] for p in columns)


def test_the_real_2022_da_mcp_files_land_with_uncup_null_and_six_products(quest):
    """SPP's real DA-MCP files before the uncertainty product (commit 14bc693 landed the layout from a file with the
    last column cut; these are SPP's own): every price at its GMT hour, 24 + 23 hours, no UNCERTAINTY_UP row."""
    expected = {}
    for path in QUEST_MCP:
        for r in read_file(path):
            start = spp_time(r["GMTIntervalEnd"]).replace(tzinfo=UTC) - dt.timedelta(hours=1)
            for column, product in MCP_PRODUCTS.items():
                if column != "UncUP":
                    expected[(start, r["Reserve Zone"], product)] = float(r[column])
    assert len(expected) == (24 + 23) * 6 * 6
    got = query(quest, "select datetime, as_region, as_product, as_price, datetime_local from spp.as_prices")
    assert len(got) == len(expected) and {(t, z, p): v for t, z, p, v, _ in got} == expected
    hours: dict[dt.date, set] = {}
    for t, *_, local in got:
        assert local == t.astimezone(CENTRAL).replace(tzinfo=None)
        hours.setdefault(local.date(), set()).add(t)
    assert {d: len(ts) for d, ts in hours.items()} == {dt.date(2022, 3, 12): 24, SPRING_2022: 23}
    # staging reads UncUP as NULL (the product did not exist) and the unpivot keeps no row of it: no price invented
    n = sum(len(read_file(p)) for p in QUEST_MCP)
    assert n == (24 + 23) * 6
    assert dict(query(quest, "select iso_as_product, count(*) from spp.stg_spp__da_mcp group by all")) == {
        p.upper(): n for p in MCP_PRODUCTS if p != "UncUP"}
    columns = [c for (c,) in query(quest, """select column_name from information_schema.columns
        where table_schema = 'spp' and table_name = 'flat_as_prices' and column_name not in ('datetime', 'year')""")]
    assert len(columns) == 6 * 6 and not [c for c in columns if c.startswith("UNCERTAINTY")]
    t = dt.datetime(2022, 3, 13, 7, tzinfo=UTC)  # [01:00 CST, 03:00 CDT): the hour ending 03:00:00 in the file
    (row,) = query(quest, 'select "REG_UP_1", "RAMP_DOWN_SPP" from spp.flat_as_prices where datetime = ?', [t])
    assert list(row) == [expected[(t, "1", "REG_UP")], expected[(t, "SPP", "RAMP_DOWN")]]
