"""The ISO-NE sample at the raw-file level: the C/H/D/T records of the real files, DA vs RT quoting, the LMP identity,
Hour Ending `02X` / no `03` on the 2024 and 2025 DST days, repeated 5-minute stamps, and determinism."""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import re
from collections import Counter

import pytest

from ingest.sample.isone import ALL_DATASETS, CHUNKS, LOCATIONS, generate_isone

D = dt.date
DA_HEADER = ('"H","Date","Hour Ending","Location ID","Location Name","Location Type","Locational Marginal Price",'
             '"Energy Component","Congestion Component","Marginal Loss Component"')
TYPES = '"H","Date","HE","String","String","String","Number","Number","Number","Number"'
FIVE_HEADER = ('"H","Local Time","Location ID","Location Name","Location Type","Locational Marginal Price",'
               '"Energy Component","Congestion Component","Marginal Loss Component"')
DAYS = {D(2024, 3, 10): 23, D(2024, 11, 3): 25, D(2025, 3, 9): 23, D(2025, 11, 2): 25, D(2025, 6, 4): 24}


@pytest.fixture(scope="module")
def dst_sample(tmp_path_factory):
    out = tmp_path_factory.mktemp("isone")
    paths = []
    for day in DAYS:
        paths += generate_isone(out, start=day, days=1)
    return out, paths


def records(path) -> list[list[str]]:
    return list(csv.reader(path.read_text().split("\n")))


def test_record_layout_and_trailer(dst_sample):
    out, paths = dst_sample
    da = out / "da-lmp/WW_DALMP_ISO_20241103.csv"
    text = da.read_text()
    lines = text.split("\n")
    assert lines[:6] == ['"C","Day-Ahead Energy Market Hourly LMP Report"', '"C","Filename: WW_DALMP_ISO_20241103.csv"',
                         '"C","Report for: 11/03/2024 - 11/03/2024"', lines[3], DA_HEADER, TYPES]
    assert re.fullmatch(r'"C","Report generated: 11/02/2024 \d\d:\d\d:\d\d EDT"', lines[3])  # the day before
    assert [line[:4] for line in lines[6:-1]] == ['"D",'] * (len(lines) - 7)
    assert lines[-1] == f'"T","{len(lines) - 7} lines"' and not text.endswith("\n") and "\r" not in text
    for path in paths:
        got = records(path)
        assert [r[0] for r in got] == ["C"] * 4 + ["H"] * 2 + ["D"] * (len(got) - 7) + ["T"]
        assert got[-1] == ["T", f"{len(got) - 7} lines"]
        assert got[1] == ["C", f"Filename: {path.name}"]


def test_da_quotes_everything_but_numbers_and_rt_leaves_the_hour_unquoted(dst_sample):
    out, _ = dst_sample
    da = (out / "da-lmp/WW_DALMP_ISO_20250604.csv").read_text().split("\n")
    rt = (out / "rt-lmp/lmp_rt_final_20250604.csv").read_text().split("\n")
    assert re.fullmatch(r'"D","06/04/2025","01","4000","\.H\.INTERNAL_HUB","HUB",(-?\d+\.\d{1,2},){3}-?\d+\.\d{1,2}',
                        next(line for line in da if '"4000"' in line))
    assert re.fullmatch(r'"D","06/04/2025",01,"4000","\.H\.INTERNAL_HUB","HUB",(-?\d+\.\d{1,2},){3}-?\d+\.\d{1,2}',
                        next(line for line in rt if '"4000"' in line))
    assert rt[:6] != da[:6] and rt[4:6] == da[4:6]  # same header lines, other title
    names = {r[4] for r in records(out / "da-lmp/WW_DALMP_ISO_20250604.csv") if r[0] == "D"}
    assert {"HC.VERNONHL13.8    ", "UN.EDDY    34.5AMOS", ".I.SHOREHAM138 99"} <= names  # real names, spaces kept
    assert {r[5] for r in records(out / "da-lmp/WW_DALMP_ISO_20250604.csv") if r[0] == "D"} == \
        {"HUB", "LOAD ZONE", "EXT. NODE", "HUB NODE", "DRRAZ", "NETWORK NODE"}


def test_lmp_is_energy_plus_congestion_plus_loss_and_numbers_are_unpadded(dst_sample):
    _, paths = dst_sample
    cells = Counter()
    for path in (p for p in paths if p.parent.name != "fiveminreserveprice"):  # the LMP reports
        for r in records(path):
            if r[0] != "D":
                continue
            lmp, energy, congestion, loss = (r[-4:])
            assert round(float(energy) + float(congestion) + float(loss), 2) == float(lmp), r
            for c in r[-4:]:
                assert re.fullmatch(r"-?(0|[1-9]\d*)\.\d{1,2}", c) and c != "-0.0", c
                cells[c] += 1
    assert cells["0.0"] > 0 and any(len(c.split(".")[1]) == 1 for c in cells if c != "0.0")  # unpadded
    assert any(c.startswith("-") for c in cells)


def test_hour_endings_on_dst_days(dst_sample):
    out, _ = dst_sample
    for day, hours in DAYS.items():
        for path in (out / f"da-lmp/WW_DALMP_ISO_{day:%Y%m%d}.csv", out / f"rt-lmp/lmp_rt_final_{day:%Y%m%d}.csv"):
            rows = [r for r in records(path) if r[0] == "D"]
            assert all(r[1] == f"{day:%m/%d/%Y}" for r in rows)
            order = list(dict.fromkeys(r[2] for r in rows))
            assert len(order) == hours and len(rows) == hours * len(LOCATIONS)
            normal = [f"{h:02d}" for h in range(1, 25)]
            if hours == 25:
                assert order == normal[:2] + ["02X"] + normal[2:]
            elif hours == 23:
                assert order == [h for h in normal if h != "03"]
            else:
                assert order == normal
            ids = [int(r[3]) for r in rows if r[2] == "01"]
            assert ids == sorted(ids)  # by hour, then Location ID, as published


def test_five_minute_files_repeat_the_fall_back_stamps_and_skip_the_spring_ones(dst_sample):
    out, _ = dst_sample
    for day, hours in DAYS.items():
        stamps: list[str] = []
        for chunk in CHUNKS:
            path = out / f"5min-rt-prelim/lmp_5min_{day:%Y%m%d}_{chunk}.csv"
            got = records(path)
            assert '"H","Local Time"' in path.read_text() and ",".join(f'"{c}"' for c in got[4]) == FIVE_HEADER
            assert got[2] == ["C", f"Report for: {day:%m/%d/%Y} - {day:%m/%d/%Y}"]
            lo, hi = (int(h) for h in chunk.split("-"))
            hub = [r[1] for r in got if r[0] == "D" and r[2] == "4000"]
            assert all(lo <= int(s[:2]) < hi for s in hub)
            stamps += hub
        assert len(stamps) == hours * 12
        counts = Counter(stamps)
        if hours == 25:
            assert {s for s, n in counts.items() if n == 2} == {f"01:{m:02d}" for m in range(0, 60, 5)}
            first = stamps.index("01:00")
            assert stamps[first:first + 24] == [f"01:{m:02d}" for m in range(0, 60, 5)] * 2  # in time order, no marker
        else:
            assert set(counts.values()) == {1}
        if hours == 23:
            assert not [s for s in stamps if s.startswith("02:")]


def test_deterministic_and_the_default_range(tmp_path):
    def digest(folder):
        paths = generate_isone(folder)
        return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest() for p in paths}

    first, second = digest(tmp_path / "a"), digest(tmp_path / "b")
    assert first == second
    assert sum(k.startswith("da-lmp/") for k in first) == 21 == sum(k.startswith("rt-lmp/") for k in first)
    five = sorted(k for k in first if k.startswith("5min-rt-prelim/"))
    assert len(five) == 12 and five[0] == "5min-rt-prelim/lmp_5min_20241103_00-04.csv"  # the DST day and the last
    other = generate_isone(tmp_path / "c", start=D(2024, 11, 3), days=1, seed=8, datasets=("DA_prices",))
    assert other[0].read_bytes() != (tmp_path / "a/da-lmp/WW_DALMP_ISO_20241103.csv").read_bytes()


def test_reserve_prices_in_the_record_layout_with_the_repeated_hour_twice(tmp_path):
    paths = generate_isone(tmp_path, start=D(2025, 11, 2), days=1, datasets=ALL_DATASETS)
    reserve = [p for p in paths if p.parent.name == "fiveminreserveprice"]
    assert [p.name for p in reserve] == ["fiveminreserveprice_final_20251102.csv"]
    got = records(reserve[0])
    assert got[4][1:4] == ["Local Time", "Reserve Zone ID", "Reserve Zone Name"] and got[4][-1] == \
        "Total Reserve Clearing Price" and len(got[4]) == 13
    rows = [r for r in got if r[0] == "D"]
    assert got[-1] == ["T", f"{len(rows)} lines"] and len(rows) == 25 * 12 * 4
    stamps = Counter(r[1] for r in rows if r[3] == "ROS")
    assert stamps["11/02/2025 01:00"] == 2 and stamps["11/02/2025 00:55"] == 1
    for r in rows:
        spin, ten, total = map(float, r[-3:])
        assert spin >= ten >= total >= 0
    assert any(p.parent.name == "fiveminreserveprice" for p in generate_isone(tmp_path / "b", days=1))  # by default
