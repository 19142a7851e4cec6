"""MISO through every stage: the real Day-Ahead ExPost LMP excerpt and the real Real-Time ExPost LMP final files of both
2019 DST days (fixtures/real_samples/miso) and the generated sample
(DA, RT final and AS reports) on both DST days of 2024 and 2025 are landed (the preamble checked and dropped, the AS report's
two tables folded into one CSV), built with `dbt build --select tag:miso`, and Stage 2 and Stage 3 are compared with
the raw files, read here with Python's csv: market times are Eastern Standard Time all year (UTC-5), so HE h of day d
starts at d + (h-1) h + 5 h UTC and every local day has 24 hours, DST days included. The landing tests show what the
strict preamble and layout checks quarantine, and why."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
import zipfile
from pathlib import Path

import pytest

from conftest import REAL, build, landed_entries, quarantine_reasons, query
from ingest.landing import land
from ingest.sample.miso import five_minute_archive, five_minute_week_file, generate_miso

UTC = dt.UTC
EST = dt.timezone(dt.timedelta(hours=-5))
MISO_REAL = REAL / "miso"
REAL_FILE = MISO_REAL / "ewyluda_macrogauge" / "20260714_da_expost_lmp__EXCERPT.csv"
# the real-time final report of New York's two DST days of 2019 (an excerpt of 26 nodes each, every row of each kept)
REAL_RT = sorted((MISO_REAL / "stompsjo_ne571.project").glob("2019*_rt_lmp_final__EXCERPT.csv"))
# around the DST days of 2024 and 2025 (New York: spring forward 2024-03-10, 2025-03-09; fall back 2024-11-03,
# 2025-11-02), where MISO's EST clock changes nothing
DST_WINDOWS = ((dt.date(2024, 3, 9), 3), (dt.date(2024, 11, 2), 3), (dt.date(2025, 3, 8), 3), (dt.date(2025, 11, 1), 3))


def read_report(path: Path) -> tuple[dt.date, list[dict[str, str]]]:
    """(market day from the preamble's second line, the rows after the 4-line preamble) of a MISO report."""
    lines = path.read_text(encoding="utf-8").splitlines()
    day = dt.datetime.strptime(lines[1].split(",")[0], "%m/%d/%Y").date()
    return day, list(csv.DictReader(io.StringIO("\n".join(lines[4:]))))


def hour_start(day: dt.date, he: int) -> dt.datetime:
    """UTC start of hour ending `he` of market day `day` on MISO's EST clock."""
    return (dt.datetime.combine(day, dt.time(0), EST) + dt.timedelta(hours=he - 1)).astimezone(UTC)


def expected_as(path: Path) -> dict[tuple[dt.datetime, str, str], float]:
    """(UTC interval start, region, MCP type) -> price from a raw AS report: table 1 (MISO Wide) and table 2 (zones),
    read with the csv module after the 4-line preamble."""
    lines = path.read_text().splitlines()
    day = dt.datetime.strptime(lines[2].split(",")[0], "%m/%d/%Y").date()
    out = {}
    for cells in csv.reader(line for line in lines[5:] if line and not line.startswith("Zone,")):
        region = "MISO" if cells[0] == "MISO Wide" else f"ZONE{int(cells[0])}"
        for h in range(1, 25):
            out[(hour_start(day, h), region, cells[2])] = float(cells[2 + h])
    return out


def expected_prices(path: Path) -> dict[tuple[dt.datetime, str], dict[str, float]]:
    """(UTC interval start, node) -> {lmp, congestion, loss} from the raw file: HE h starts at day + (h-1) h EST."""
    day, rows = read_report(path)
    out: dict[tuple[dt.datetime, str], dict[str, float]] = {}
    for row in rows:
        for h in range(1, 25):
            start = dt.datetime.combine(day, dt.time(0), EST) + dt.timedelta(hours=h - 1)
            key = {"LMP": "lmp", "MCC": "congestion", "MLC": "loss"}[row["Value"]]
            out.setdefault((start.astimezone(UTC), row["Node"]), {})[key] = float(row[f"HE {h}"])
    return out


@pytest.fixture(scope="module")
def miso(tmp_path_factory) -> dict:
    tmp = tmp_path_factory.mktemp("miso")
    base = tmp / "data"
    generated = []
    for start, days in DST_WINDOWS:
        generated += generate_miso(tmp / "sample", start=start, days=days)  # DA, RT final and AS reports
    summary = land("MISO", [MISO_REAL, tmp / "sample"], base=base)
    assert not summary.quarantined and summary.n_landed == 1 + len(REAL_RT) + len(generated), summary.render()
    days = sum(n for _, n in DST_WINDOWS)
    assert summary.landed["DA_prices"] == summary.landed["RT_hourly"] - 1 == summary.landed["AS_prices"] + 1 == days + 1
    # the everyday build runs the row-count tests (rows_match_registry) too: they carry the ISO's tag
    statuses = build(base, "--select", "tag:miso")
    assert statuses["__returncode__"] == 0, statuses["__log__"][-5000:]
    ran = [name for name, status in statuses.items() if "rows_match_registry_int_miso" in name and status == "pass"]
    assert len(ran) == 5, ran  # a row count per landed format (the Pricing API one has nothing to count here)
    results = json.loads((base / "dbt_target" / "run_results.json").read_text())["results"]
    errors = {r["unique_id"]: r["status"] for r in results if r["status"] in ("error", "fail")}
    assert not errors, errors  # the gap between the real day and the sample days is a warning, never an error
    return {"base": base, "generated": generated}


def test_the_real_excerpt_reaches_stage_2_with_the_files_prices_at_est_hours(miso):
    expected = expected_prices(REAL_FILE)
    assert len(expected) == 3 * 24
    got = query(miso["base"], """select datetime, settlement_point, datetime_local, hour_ending, da_lmp, da_congestion,
        da_loss, da_energy, settlement_type, source_file from miso.da_prices
        where timezone('UTC', datetime)::date between date '2026-07-14' and date '2026-07-15' order by all""")
    assert {(r[0], r[1]) for r in got} == set(expected)
    for utc, node, local, he, lmp, mcc, mlc, energy, kind, source in got:
        want = expected[(utc, node)]
        assert (lmp, mcc, mlc) == (want["lmp"], want["congestion"], want["loss"])
        assert energy == pytest.approx(want["lmp"] - want["congestion"] - want["loss"], abs=1e-6)
        assert local == utc.astimezone(EST).replace(tzinfo=None) and he == local.hour + 1
        assert kind == "HUB" and source.endswith("/20260714_da_expost_lmp__EXCERPT.csv")
    # the card's example, derived from the file: ILLINOIS.HUB HE 1 is 2026-07-14 05:00 UTC
    first = next(r for r in read_report(REAL_FILE)[1] if r["Node"] == "ILLINOIS.HUB" and r["Value"] == "LMP")
    illinois = {r[0]: r[4] for r in got if r[1] == "ILLINOIS.HUB"}
    assert illinois[dt.datetime(2026, 7, 14, 5, tzinfo=UTC)] == float(first["HE 1"])
    assert illinois[dt.datetime(2026, 7, 15, 4, tzinfo=UTC)] == float(first["HE 24"])


@pytest.mark.parametrize("path", REAL_RT, ids=lambda p: p.name[:8])
def test_the_real_rt_final_files_reach_stages_2_and_3_with_24_est_hours_on_the_dst_days(miso, path):
    """2019-03-10 (New York springs forward) and 2019-11-03 (falls back): MISO's file has 24 hours either way."""
    assert len(REAL_RT) == 2
    expected = expected_prices(path)
    day, rows = read_report(path)
    assert path.read_bytes().count(b"\r\n") == len(rows) + 5 and f"{day.month}/{day.day}/{day.year}" in \
        path.read_text()  # the quirks are in the file: CRLF, a date without zero padding
    nodes = {n for _, n in expected}
    assert len(nodes) == 26 and len(expected) == 26 * 24
    first = hour_start(day, 1)
    got = query(miso["base"], """select datetime, settlement_point, datetime_local, hour_ending, rt_lmp, rt_congestion,
        rt_loss, rt_energy, settlement_type from miso.rt_hourly where datetime >= ? and datetime < ? order by all""",
                [first, first + dt.timedelta(days=1)])
    assert {(r[0], r[1]) for r in got} == set(expected) and len(got) == len(expected)  # no duplicate, none missing
    kinds = {"Hub": "HUB", "Loadzone": "ZONE", "Interface": "NODE", "Gennode": "NODE"}
    raw_kind = {r["Node"]: r["Type"] for r in rows}
    for utc, node, local, he, lmp, mcc, mlc, energy, kind in got:
        want = expected[(utc, node)]
        assert (lmp, mcc, mlc) == (want["lmp"], want["congestion"], want["loss"])
        assert energy == pytest.approx(lmp - mcc - mlc, abs=1e-6)
        assert local == utc.astimezone(EST).replace(tzinfo=None) and he == local.hour + 1 and local.date() == day
        assert kind == kinds[raw_kind[node]], (node, raw_kind[node], kind)
    times = sorted({r[0] for r in got})
    assert times == [first + dt.timedelta(hours=h) for h in range(24)]  # 24 hours, continuous, on both DST days
    # all eight trading hubs, spelled as the card inferred
    hubs = sorted(n for n in nodes if n.endswith(".HUB"))
    assert hubs == ["ARKANSAS.HUB", "ILLINOIS.HUB", "INDIANA.HUB", "LOUISIANA.HUB", "MICHIGAN.HUB", "MINN.HUB",
                    "MS.HUB", "TEXAS.HUB"]
    wide = query(miso["base"], f"""select datetime, {", ".join(f'"{h}"' for h in hubs)} from miso.flat_rt_hourly
        where datetime >= ? and datetime < ? order by datetime""", [first, first + dt.timedelta(days=1)])
    assert [r[0] for r in wide] == times
    assert all(list(r[1:]) == [expected[(r[0], h)]["lmp"] for h in hubs] for r in wide)


def test_numbers_without_a_leading_zero_are_read_as_written(miso):
    raw = REAL_FILE.read_text()
    assert ",.92," in raw and ",-.03," in raw  # the quirk is in the file
    got = query(miso["base"], """select da_congestion, da_loss from miso.da_prices
        where settlement_point = 'ILLINOIS.HUB' and datetime = timestamptz '2026-07-14 06:00:00+00'""")
    assert got == [(0.92, -0.03)]  # HE 2: MCC .92, MLC -.03


def test_stage_3_wide_holds_the_real_lmps(miso):
    expected = expected_prices(REAL_FILE)
    day = {utc for utc, _ in expected}
    got = query(miso["base"], """select datetime, "ILLINOIS.HUB", "INDIANA.HUB", "MICHIGAN.HUB" from miso.flat_da_prices
        where datetime between ? and ? order by datetime""", [min(day), max(day)])
    assert [r[0] for r in got] == sorted(day)  # the market day on the wide table's complete hourly index
    for utc, *hubs in got:
        assert hubs == [expected[(utc, n)]["lmp"] for n in ("ILLINOIS.HUB", "INDIANA.HUB", "MICHIGAN.HUB")]


@pytest.mark.parametrize("start,days", DST_WINDOWS)
def test_dst_days_have_24_est_hours_and_a_continuous_utc_series(miso, start, days):
    files = [f for f in miso["generated"] if start <= dt.datetime.strptime(f.name[:8], "%Y%m%d").date()
             < start + dt.timedelta(days=days) and f.name.endswith("_da_expost_lmp.csv")]
    expected: dict = {}
    for f in files:
        expected.update(expected_prices(f))
    first = dt.datetime.combine(start, dt.time(0), EST).astimezone(UTC)
    for node in ("ILLINOIS.HUB", "AECI.ALTW", "CONS.CAMPBELL3"):
        got = query(miso["base"], """select datetime, datetime_local, hour_ending, da_lmp from miso.da_prices
            where settlement_point = ? and datetime >= ? and datetime < ? order by datetime""",
                    [node, first, first + dt.timedelta(days=days)])
        times = [r[0] for r in got]
        assert times == [first + dt.timedelta(hours=i) for i in range(24 * days)]  # continuous, no duplicate
        per_day: dict[dt.date, int] = {}
        for utc, local, he, lmp in got:
            per_day[local.date()] = per_day.get(local.date(), 0) + 1
            assert local == utc.astimezone(EST).replace(tzinfo=None) and he == local.hour + 1
            assert lmp == expected[(utc, node)]["lmp"]
        assert per_day == {start + dt.timedelta(days=i): 24 for i in range(days)}  # the DST day too
    # EST, not New York time: on spring-forward day HE 3 (02:00 EST, a time New York skips) is 07:00 UTC; on
    # fall-back day HE 2 (01:00 EST, a time New York has twice) is 06:00 UTC only
    day = start + dt.timedelta(days=1)
    he, utc_hour = (3, 7) if start.month == 3 else (2, 6)
    got = query(miso["base"], """select datetime from miso.da_prices where settlement_point = 'ILLINOIS.HUB'
        and datetime_local::date = ? and hour_ending = ?""", [day, he])
    assert got == [(dt.datetime.combine(day, dt.time(utc_hour), UTC),)]


@pytest.mark.parametrize("start,days", DST_WINDOWS)
def test_rt_final_and_as_prices_match_the_raw_files_on_the_dst_days(miso, start, days):
    first = hour_start(start, 1)
    window = [first, first + dt.timedelta(days=days)]
    rt: dict = {}
    for f in miso["generated"]:
        if f.name.endswith("_rt_lmp_final.csv") and start <= dt.datetime.strptime(f.name[:8], "%Y%m%d").date():
            rt.update(expected_prices(f))
    got = query(miso["base"], """select datetime, settlement_point, rt_lmp, rt_congestion, rt_loss, rt_energy
        from miso.rt_hourly where datetime >= ? and datetime < ? order by all""", window)
    assert len(got) == len({(t, n) for t, n in rt if window[0] <= t < window[1]}) == 24 * days * 14
    for utc, node, lmp, mcc, mlc, energy in got:
        want = rt[(utc, node)]
        assert (lmp, mcc, mlc) == (want["lmp"], want["congestion"], want["loss"])
        assert energy == pytest.approx(lmp - mcc - mlc, abs=1e-6)
    as_raw: dict = {}
    for f in miso["generated"]:
        if f.name.endswith("_asm_expost_damcp.csv"):
            as_raw.update(expected_as(f))
    products = dict(query(miso["base"], "select iso_product, as_product from seeds.as_products where iso = 'MISO'"))
    got = query(miso["base"], """select datetime, as_region, as_product, as_price, datetime_local from miso.as_prices
        where datetime >= ? and datetime < ? order by all""", window)
    want = {(t, r, products[p]): v for (t, r, p), v in as_raw.items() if window[0] <= t < window[1]}
    assert {(t, r, p): v for t, r, p, v, _ in got} == want
    assert len(want) == 24 * days * 7 * 5  # 7 MCP types, MISO-wide and 4 zones, 24 hours every day
    per_day: dict = {}
    for *_, local in got:
        per_day[local.date()] = per_day.get(local.date(), 0) + 1
    assert set(per_day.values()) == {24 * 7 * 5}
    # Stage 3: one column per product and region
    wide = query(miso["base"], """select datetime, "SPIN_ZONE4", "SPIN_MISO" from miso.flat_as_prices
        where datetime >= ? and datetime < ? order by datetime""", window)
    assert [r[0] for r in wide] == [first + dt.timedelta(hours=i) for i in range(24 * days)]
    assert all(r[1] == want[(r[0], "ZONE4", "SPIN")] and r[2] == want[(r[0], "MISO", "SPIN")] for r in wide)


def read_week(path: Path) -> dict[tuple[dt.datetime, str], dict[str, float]]:
    """(UTC interval start, node) -> {lmp, congestion, loss} from a weekly 5-minute archive, read here with zipfile and
    csv: the one CSV inside, 4 preamble lines, the header (columns by name), rows, then non-row lines (the footer);
    MKTHOUR_EST is the interval start on the EST clock."""
    with zipfile.ZipFile(path) as zf:
        (member,) = zf.namelist()
        lines = zf.read(member).decode("ascii").splitlines()
    rows = [r for r in csv.DictReader(lines[4:]) if r.get("LOSS_LMP") is not None]
    out = {}
    for r in rows:
        start = dt.datetime.strptime(r["MKTHOUR_EST"], "%m/%d/%Y %H:%M").replace(tzinfo=EST).astimezone(UTC)
        out[(start, r["PNODENAME"])] = {"lmp": float(r["LMP"]), "congestion": float(r["CON_LMP"]),
                                        "loss": float(r["LOSS_LMP"])}
    return out


@pytest.mark.parametrize("start,days", DST_WINDOWS)
def test_the_5_minute_archive_reaches_every_stage_with_288_est_intervals_every_day(miso, start, days):
    """RT_prices from the weekly archives of the DST windows: every row of the archive in Stage 2 with its values,
    288 intervals on every EST day (the DST day too), a continuous UTC series; Stage 3's hub column, Stage 4's
    native RT column and hourly mean are the same prices."""
    (archive,) = [f for f in miso["generated"] if f.name.endswith("_5MIN_LMP.zip")
                  and dt.datetime.strptime(f.name[:8], "%Y%m%d").date() - dt.timedelta(days=14)
                  <= start + dt.timedelta(days=1) < dt.datetime.strptime(f.name[:8], "%Y%m%d").date()
                  - dt.timedelta(days=7)]  # the archive of the week holding the DST day
    expected = read_week(archive)
    first, last = min(t for t, _ in expected), max(t for t, _ in expected)
    got = query(miso["base"], """select datetime, settlement_point, datetime_local, hour_ending, rt_lmp, rt_congestion,
        rt_loss, rt_energy, settlement_type, source_file from miso.rt_prices where datetime between ? and ?
        order by all""", [first, last])
    assert len(got) == len(expected) == 7 * 288 * 14 and {(r[0], r[1]) for r in got} == set(expected)
    per_day: dict = {}
    for utc, node, local, he, lmp, mcc, mlc, energy, kind, source in got:
        want = expected[(utc, node)]
        assert (lmp, mcc, mlc) == (want["lmp"], want["congestion"], want["loss"])
        assert energy == pytest.approx(lmp - mcc - mlc, abs=1e-6)
        assert local == utc.astimezone(EST).replace(tzinfo=None) and he == local.hour + 1
        assert source == f"csv_files/RT_prices/rt_5min_lmp/{archive.stem}.csv"
        assert kind == ("HUB" if node.endswith(".HUB") else kind)
        per_day.setdefault(local.date(), set()).add(utc)
    assert {d: len(t) for d, t in per_day.items()} == {first.astimezone(EST).date() + dt.timedelta(days=i): 288
                                                       for i in range(7)}
    times = sorted({r[0] for r in got})
    assert times == [first + dt.timedelta(minutes=5 * i) for i in range(7 * 288)]  # continuous, no duplicate
    # Stage 3 and Stage 4 carry the same prices
    wide = dict(query(miso["base"], """select datetime, "ILLINOIS.HUB" from miso.flat_rt_prices
        where datetime between ? and ?""", [first, last]))
    assert wide == {t: expected[(t, "ILLINOIS.HUB")]["lmp"] for t in times}
    native = dict(query(miso["base"], """select datetime, "RT_ILLINOIS.HUB" from miso.da_as_rt_native
        where datetime between ? and ?""", [first, last]))
    assert native == wide
    hourly = dict(query(miso["base"], """select datetime, "RT_AVG_ILLINOIS.HUB" from miso.da_as_rt_hourly
        where datetime between ? and ?""", [first, last]))
    (da_first, da_last), = query(miso["base"], "select min(datetime), max(datetime) from miso.da_prices")
    hours = [first + dt.timedelta(hours=i) for i in range(7 * 24)]
    assert sorted(hourly) == [h for h in hours if da_first <= h <= da_last]  # the day-ahead hourly index
    for hour, mean in hourly.items():
        twelve = [wide[hour + dt.timedelta(minutes=5 * i)] for i in range(12)]
        assert mean == pytest.approx(sum(twelve) / 12, abs=1e-9)


def test_the_generated_sample_keeps_the_real_files_layout(tmp_path):
    (path,) = generate_miso(tmp_path, start=dt.date(2024, 11, 3), days=1, datasets=("DA_prices",))
    real_lines, lines = REAL_FILE.read_text().splitlines(), path.read_text().splitlines()
    assert path.name == "20241103_da_expost_lmp.csv"
    assert lines[0] == real_lines[0] and lines[2] == real_lines[2] == "" and lines[3] == real_lines[3]
    assert lines[1] == "11/03/2024" and lines[4] == real_lines[4]  # date line, then the same header (24 HE columns)
    values = [line.split(",")[2] for line in lines[5:]]
    n = len(values) // 3
    assert values == ["LMP"] * n + ["MCC"] * n + ["MLC"] * n  # the real file's order: LMP block, MCC, MLC
    real_values = [line.split(",")[2] for line in real_lines[5:]]
    assert real_values == ["LMP"] * 3 + ["MCC"] * 3 + ["MLC"] * 3
    cells = [c for line in lines[5:] for c in line.split(",")[3:]]
    assert any(c.startswith(".") for c in cells) and any(c.startswith("-.") for c in cells)
    assert not any(c.startswith(("0.", "-0.")) or (c.endswith("0") and "." in c) for c in cells)


def test_the_generated_rt_file_keeps_the_real_rt_files_layout(tmp_path):
    (path,) = generate_miso(tmp_path, start=dt.date(2024, 3, 10), days=1, datasets=("RT_hourly",))
    real = REAL_RT[0].read_bytes()
    data = path.read_bytes()
    assert real.endswith(b"\r\n") and data.endswith(b"\r\n") and b"\n" not in data.replace(b"\r\n", b"")  # CRLF
    real_lines, lines = real.decode().split("\r\n"), data.decode().split("\r\n")
    assert real_lines[1] == "3/10/2019" and lines[1] == "3/10/2024"  # the market day without zero padding
    assert lines[0] == real_lines[0] == "Realtime Market LMPs" and lines[2:5] == real_lines[2:5]
    cells = {c for line in lines[5:-1] for c in line.split(",")[3:]}
    real_cells = {c for line in real_lines[5:-1] for c in line.split(",")[3:]}
    pattern = re.compile(r"^-?\d+\.\d\d$")  # two decimals and the leading zero: 0.50, -0.77, 0.00
    assert all(map(pattern.match, real_cells)) and all(map(pattern.match, cells)), cells - set(filter(pattern.match, cells))
    assert "0.00" in real_cells and any(c.startswith("-0.") for c in cells)
    values = [line.split(",")[2] for line in lines[5:-1]]
    assert values == sorted(values, key=["LMP", "MCC", "MLC"].index)  # the LMP block, then MCC, then MLC, as the real


# -- landing: the preamble is checked, not skipped ----------------------------------------------------------------
def spoiled(tmp: Path, name: str, line: int | None = None, text: str = "") -> Path:
    """The real excerpt under another name, with preamble line `line` (1-based) replaced by `text`."""
    lines = REAL_FILE.read_text().split("\n")
    if line is not None:
        lines[line - 1] = text
    path = tmp / "in" / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines))
    return path


@pytest.mark.parametrize("name,line,text,reason", [
    ("20260714_da_expost_lmp.csv", 4, ",,,All Hours-Ending are Eastern Prevailing Time (EPT)",
     'preamble line 4 must say "All Hours-Ending are Eastern Standard Time (EST)"'),
    ("20260714_da_expost_lmp.csv", 4, "", 'preamble line 4 must say "All Hours-Ending are Eastern Standard Time'),
    ("20260714_da_expost_lmp.csv", 4, ",,,All Hours-Ending are Eastern Standard Time (EST),except HE 3",
     "preamble line 4 must hold the time note alone"),
    ("20260714_da_expost_lmp.csv", 1, "Day Ahead Market ExAnte LMPs",
     'preamble line 1 must be the report\'s title "Day Ahead Market ExPost LMPs"'),
    ("20260714_rt_lmp_final.csv", None, "",  # a day-ahead report under the real-time one's name
     'preamble line 1 must be the report\'s title "Realtime Market LMPs"'),
    ("20260714_da_expost_lmp.csv", 2, "2026-07-14", "preamble line 2 must start with the market day as MM/DD/YYYY"),
    ("20260714_da_expost_lmp.csv", 3, "x", "preamble line 3 must be blank"),
    ("20260715_da_expost_lmp.csv", None, "", "the file name must start with the market day of its preamble (20260714_"),
    ("latest_da_expost_lmp.csv", None, "", "the file name must start with the market day of its preamble"),
    ("miso_da_expost_2026-07-14.csv", None, "", "unknown report: MISO files are recognised by their name"),
    ("20260714_da_expost_lmp.csv", 8, "ILLINOIS.HUB,Hub,MEC," + ",".join(["1"] * 24),
     "line 8: Value must be one of LMP, MCC, MLC, got 'MEC'"),
])
def test_a_file_whose_preamble_is_not_misos_is_quarantined_saying_why(tmp_path, name, line, text, reason):
    path = spoiled(tmp_path, name, line, text)
    summary = land("MISO", [path], base=tmp_path / "data")
    assert summary.n_landed == 0 and len(summary.quarantined) == 1
    (record,) = quarantine_reasons(tmp_path / "data", "MISO")
    assert reason in record["reason"], record["reason"]
    assert not landed_entries(tmp_path / "data", "MISO")


def test_a_quoted_price_with_thousands_separators_lands_as_a_number(tmp_path):
    """A scarcity price written `"1,234.56"` (one project reports thousands separators in MISO's reports) lands as
    1234.56 in its hour's column; the same separator without quotes splits the cell and the file is refused."""
    lines = REAL_FILE.read_text().split("\n")
    row = lines[5].split(",")  # ILLINOIS.HUB's LMP row
    quoted = lines[:5] + [",".join(row[:22] + ['"1,234.56"'] + row[23:])] + lines[6:]
    path = tmp_path / "in" / "20260714_da_expost_lmp.csv"
    path.parent.mkdir()
    path.write_text("\n".join(quoted))
    summary = land("MISO", [path], base=tmp_path / "data")
    assert summary.n_landed == 1 and not summary.quarantined, summary.render()
    (entry,) = landed_entries(tmp_path / "data", "MISO")
    landed = list(csv.DictReader(io.StringIO((tmp_path / "data" / "MISO_data" / entry["path"]).read_text())))
    assert landed[0]["Node"] == "ILLINOIS.HUB" and landed[0]["HE 20"] == "1234.56"
    assert [r["HE 19"] for r in landed] == [r["HE 19"] for r in csv.DictReader(io.StringIO("\n".join(lines[4:])))]
    path.write_text("\n".join(lines[:5] + [",".join(row[:22] + ["1,234.56"] + row[23:])] + lines[6:]))
    summary = land("MISO", [path], base=tmp_path / "other")
    assert summary.n_landed == 0 and len(summary.quarantined) == 1


def test_the_landed_csv_is_the_file_from_its_header_on(tmp_path):
    summary = land("MISO", [REAL_FILE], base=tmp_path / "data")
    assert summary.n_landed == 1 and summary.rows["DA_prices"] == 9
    (entry,) = landed_entries(tmp_path / "data", "MISO")
    landed = (tmp_path / "data" / "MISO_data" / entry["path"]).read_text()
    assert landed == "\n".join(REAL_FILE.read_text().split("\n")[4:])
    assert entry["path"] == "csv_files/DA_prices/da_expost_lmp/20260714_da_expost_lmp__EXCERPT.csv"


def as_report(tmp: Path, name: str = "20241103_asm_expost_damcp.csv", edit=None) -> Path:
    """A generated AS report (the inferred two-table layout), its lines passed through `edit`."""
    (path,) = generate_miso(tmp / "gen", start=dt.date(2024, 11, 3), days=1, datasets=("AS_prices",))
    lines = path.read_text().split("\n")
    out = tmp / "in" / name
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text("\n".join(edit(lines) if edit else lines))
    return out


def test_the_as_reports_two_tables_land_as_one_csv(tmp_path):
    path = as_report(tmp_path)
    summary = land("MISO", [path], base=tmp_path / "data")
    assert summary.n_landed == 1 and summary.rows["AS_prices"] == 7 * 5
    (entry,) = landed_entries(tmp_path / "data", "MISO")
    landed = (tmp_path / "data" / "MISO_data" / entry["path"]).read_text().splitlines()
    raw = path.read_text().splitlines()
    assert landed[0] == "Zone,Pnode,MCP Type," + ",".join(f"HE {h}" for h in range(1, 25))
    assert landed[1:] == [line for line in raw[5:] if line and not line.startswith("Zone,")]  # rows as written


@pytest.mark.parametrize("edit,reason", [
    (lambda ls: [x for x in ls if not x.startswith(("Zone,", "1,", "2,", "3,", "4,"))],
     "no second (zonal) table after the MISO-wide one"),
    (lambda ls: ls[:-1] + ["", "Zone,Pnode,MCP Type," + ",".join(f"HE {h}" for h in range(1, 25)), ls[-2]],
     "a blank line inside the second table (a third table?)"),
    (lambda ls: [x.replace("Zone,Pnode,", "Pnode,Zone,") for x in ls], "the second table's header must be Zone,Pnode,"),
    (lambda ls: [x.replace("GENSPINMCP", "STRMCP") for x in ls], "MCP type 'STRMCP' is not in seeds/as_products.csv"),
    (lambda ls: [x.replace("MISO Wide,-,", "MISO,-,") for x in ls], "does not start with MISO Wide"),
    (lambda ls: [x.replace(",,MCP Type, HE 1,", ",,MCP Type,HE 0,") for x in ls], "the first table's header must be"),
    (lambda ls: [x.replace("4,CONS.ZONE4,", "Zone 4,CONS.ZONE4,") for x in ls],
     "does not start with a reserve zone number"),
    (lambda ls: [x.replace(",,All Hours-Ending are Eastern Standard Time (EST)", "") for x in ls],
     'preamble line 3 must say "All Hours-Ending are Eastern Standard Time (EST)"'),
])
def test_an_as_report_not_in_the_inferred_layout_is_quarantined_saying_why(tmp_path, edit, reason):
    summary = land("MISO", [as_report(tmp_path, edit=edit)], base=tmp_path / "data")
    assert summary.n_landed == 0 and len(summary.quarantined) == 1
    (record,) = quarantine_reasons(tmp_path / "data", "MISO")
    assert reason in record["reason"], record["reason"]


# -- landing the weekly 5-minute archive: what two readers agree on is checked, the rest refused -------------------
MONDAY = dt.date(2024, 3, 4)  # the week of New York's spring-forward day; its archive is 20240318_5MIN_LMP.zip


def week_archive(tmp: Path, edit=None, name: str = "20240318_5MIN_LMP.zip", member: str | None = None) -> Path:
    """The generated archive of MONDAY's week with its CSV's lines passed through `edit` (a list -> list function)."""
    lines = five_minute_week_file(MONDAY).split("\r\n")
    lines = edit(lines) if edit else lines
    path = tmp / "in" / name
    path.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr(member or name.replace(".zip", ".csv"), "\r\n".join(lines))
    return path


def reorder(lines: list[str], order: list[int]) -> list[str]:
    """The preamble as is, the header and every row with their cells in `order`, the footer as is."""
    out = lines[:4]
    for line in lines[4:]:
        cells = line.split(",")
        out.append(",".join(cells[i] for i in order) if len(cells) == 5 else line)
    return out


def test_the_archive_lands_its_columns_in_the_registered_order_whatever_the_files_order(tmp_path):
    """No real archive has been seen, so the column order is not assumed: a file with its columns in another order
    lands the same rows under the registered header, from a CSV inside whatever its name (the archive's names it)."""
    plain = week_archive(tmp_path / "a")
    shuffled = week_archive(tmp_path / "b", lambda lines: reorder(lines, [1, 4, 2, 0, 3]), member="export.csv")
    landed = {}
    for path in (plain, shuffled):
        base = path.parent.parent / "data"
        summary = land("MISO", [path], base=base)
        assert summary.n_landed == 1 and not summary.quarantined, summary.render()
        (entry,) = landed_entries(base, "MISO")
        assert entry["path"] == "csv_files/RT_prices/rt_5min_lmp/20240318_5MIN_LMP.csv"
        landed[path] = (base / "MISO_data" / entry["path"]).read_text()
    assert landed[plain] == landed[shuffled]
    header, *rows = landed[plain].splitlines()
    assert header == "MKTHOUR_EST,PNODENAME,LMP,CON_LMP,LOSS_LMP" and len(rows) == 7 * 288 * 14
    raw = read_week(plain)
    for row in (rows[0], rows[-1]):
        stamp, node, lmp, mcc, mlc = row.split(",")
        start = dt.datetime.strptime(stamp, "%m/%d/%Y %H:%M").replace(tzinfo=EST).astimezone(UTC)
        assert raw[(start, node)] == {"lmp": float(lmp), "congestion": float(mcc), "loss": float(mlc)}


def test_the_generated_archive_is_named_and_laid_out_as_its_sources_describe(tmp_path):
    """A project that downloads the archives documents `20241014_5MIN_LMP.zip` as holding 09/30/2024-10/06/2024 and
    lists the columns MKTHOUR_EST, PNODENAME, LMP, CON_LMP, LOSS_LMP; gridstatus skips 4 lines above the header."""
    path = five_minute_archive(tmp_path, dt.date(2024, 9, 30))
    assert path.name == "20241014_5MIN_LMP.zip"
    raw = read_week(path)
    stamps = sorted({t for t, _ in raw})
    assert stamps[0].astimezone(EST).replace(tzinfo=None) == dt.datetime(2024, 9, 30)
    assert stamps[-1].astimezone(EST).replace(tzinfo=None) == dt.datetime(2024, 10, 6, 23, 55)
    with zipfile.ZipFile(path) as zf:
        lines = zf.read(zf.namelist()[0]).decode().split("\r\n")
    assert lines[4] == "MKTHOUR_EST,PNODENAME,LMP,CON_LMP,LOSS_LMP"  # after four preamble lines
    assert len(lines) == 5 + 7 * 288 * 14 + 3  # the rows, a blank line, the footer, the final line end


def swap_cell(at: int, old: str, new: str):
    """An edit replacing `old` by `new` in line `at` (0-based) of the archive's CSV."""
    def edit(lines: list[str]) -> list[str]:
        assert old in lines[at]
        lines[at] = lines[at].replace(old, new)
        return lines
    return edit


@pytest.mark.parametrize("edit,name,reason", [
    (swap_cell(4, "LOSS_LMP", "LOSS_LMP,MLC_LMP"), None, "not known: MLC_LMP"),
    (swap_cell(4, ",LOSS_LMP", ""), None, "missing LOSS_LMP"),
    (swap_cell(3, "(EST)", "(EDT)"), None, "preamble line 4 names another clock than EST"),
    (lambda lines: lines[1:], None, "line 5 must be the header"),  # a 3-line preamble
    (swap_cell(5, "03/04/2024 00:00", "03/11/2024 00:00"), None, "outside the week 2024-03-04 to 2024-03-10"),
    (swap_cell(5, "03/04/2024 00:00", "03/04/2024 00:03"), None, "does not start a 5-minute interval"),
    (swap_cell(5, "03/04/2024 00:00", "2024-03-04T00:00"), None, "is not M/D/YYYY H:MM"),
    (swap_cell(4, "MKTHOUR_EST", "MKTHOUR_EDT"), None, "missing MKTHOUR_EST; not known: MKTHOUR_EDT"),
    (lambda lines: lines[:100] + [lines[100].rsplit(",", 1)[0]] + lines[101:], None, "line 101 has 4 cells"),
    (lambda lines: lines[:-2] + ["Notes:", "MKTHOUR_EST is hour beginning", "*END*", ""], None, "has 1 cells"),
    (None, "20240325_5MIN_LMP.zip", "outside the week 2024-03-11 to 2024-03-17 that the name"),
    (None, "latest_5MIN_LMP.zip", "this name has no date"),
])
def test_an_archive_not_as_two_readers_describe_it_is_quarantined_saying_why(tmp_path, edit, name, reason):
    path = week_archive(tmp_path, edit, **({"name": name} if name else {}))
    summary = land("MISO", [path], base=tmp_path / "data")
    assert summary.n_landed == 0 and len(summary.quarantined) == 1, summary.render()
    (record,) = quarantine_reasons(tmp_path / "data", "MISO")
    assert reason in record["reason"] and "5MIN_LMP" in record["reason"], record["reason"]


def test_the_registry_refuses_a_fixed_offset_zone_with_daylight_time(tmp_path):
    """MISO's convention rests on its zone having one offset all year: Etc/GMT+5 (UTC-5), never America/New_York."""
    from ingest.catalog import SEEDS, load_isos

    miso = load_isos()["MISO"]
    assert (miso.time_convention, miso.fixed_offset) == ("fixed_offset", dt.timedelta(hours=-5))
    seeds = tmp_path / "seeds"
    seeds.mkdir()
    for name in ("isos.csv", "datasets.csv"):
        (seeds / name).write_text((SEEDS / name).read_text().replace("MISO,miso,miso,Etc/GMT+5,", "MISO,miso,miso,America/New_York,"))
    with pytest.raises(ValueError, match="MISO time_convention fixed_offset needs a time zone without DST"):
        load_isos(seeds)
