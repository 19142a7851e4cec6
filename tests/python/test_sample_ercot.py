"""The ERCOT sample generator writes MIS zips in the real formats: names, one CRLF CSV per zip with the exact header,
rows laid out like the real ones, both DST days right, byte-identical reruns, and `expected_counts` telling the truth."""

from __future__ import annotations

import csv
import datetime as dt
import re
import zipfile
from collections import Counter, defaultdict
from dataclasses import dataclass
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from ingest.sample.ercot import (
    ALL_POINTS,
    DC_TIES,
    EXTRA_SCED_RUNS_PER_DAY,
    HUBS,
    LOAD_ZONES,
    RESOURCE_NODES,
    SPP_ROWS,
    expected_counts,
    generate_ercot,
)

CENTRAL = ZoneInfo("America/Chicago")
UTC = dt.UTC

REAL = Path(__file__).parent / "fixtures" / "real_samples" / "ercot"
REAL_SCED = next((REAL / "vergeman_ercotcongestion").glob("cdr.00012300.*.csv"))

HEADERS = {
    "DA_prices": "DeliveryDate,HourEnding,SettlementPoint,SettlementPointPrice,DSTFlag",
    "RT_prices": "SCEDTimestamp,RepeatedHourFlag,SettlementPoint,LMP",
    "RT_SPP": "DeliveryDate,DeliveryHour,DeliveryInterval,SettlementPointName,SettlementPointType,"
              "SettlementPointPrice,DSTFlag",
    "AS_prices": "DeliveryDate,HourEnding,AncillaryType,MCPC,DSTFlag",
}
TYPE_IDS = {"00012331": "DA_prices", "00012300": "RT_prices", "00012301": "RT_SPP", "00012329": "AS_prices"}
NAME_RE = re.compile(
    r"^cdr\.(?P<type>\d{8})\.0000000000000000\.(?P<date>\d{8})\.(?P<time>\d{6})\.(?P<friendly>[A-Za-z0-9_]+)_csv\.zip$"
)
FRIENDLY_RE = {
    "DA_prices": re.compile(r"^DAMSPNP4190$"),
    "RT_prices": re.compile(r"^LMPSROSNODENP6788_(?P<date>\d{8})_(?P<time>\d{6})(?P<xhr>xhr)?$"),
    "RT_SPP": re.compile(r"^SPPHLZNP6905_(?P<date>\d{8})_(?P<time>\d{4})(?P<xhr>xhr)?$"),
    "AS_prices": re.compile(r"^DAMCPCNP4188$"),
}
# One real row per report: the NP6-788-CD one from our fixture, the others as quoted in the shared format card.
REAL_ROWS = {
    "DA_prices": "08/05/2025,01:00,7RNCHSLR_ALL, 23.94,N",
    "RT_prices": REAL_SCED.read_text(encoding="ascii").splitlines()[1],
    "RT_SPP": "07/30/2025,9,3,7RNCHSLR_ALL,RN,19.27,N",  # and every row of REAL_SPP (layouts_of)
    "AS_prices": "08/05/2025,01:00,ECRS,0.07,N",
}
FIELD_CLASSES = [  # first match wins
    ("datetime", re.compile(r"^\d\d/\d\d/\d{4} \d\d:\d\d:\d\d$")),
    ("date", re.compile(r"^\d\d/\d\d/\d{4}$")),
    ("hour_ending", re.compile(r"^\d\d:00$")),
    ("int", re.compile(r"^\d+$")),
    ("negative_int", re.compile(r"^-\d+$")),  # a whole negative NP6-905-CD price: `-25`
    ("flag", re.compile(r"^[NY]$")),
    ("price", re.compile(r"^ *-?\d+\.\d\d$")),  # padding is checked on its own
    ("short_price", re.compile(r"^-?\d+\.\d$")),  # NP6-905-CD drops trailing zeros: `2.7` (and `4`: an int)
    ("name", re.compile(r"^[A-Z0-9_-]+$")),  # real names: `RAB_G1-8`
]


#: A whole real NP6-905-CD file (one interval, 908 rows: LZ/LZEW and LZ_DC/LZ_DCEW pairs, prices like `12`, `2.7`).
REAL_SPP = next((Path(__file__).parent / "fixtures/real_samples/ercot/rickdgray_ErcotAutomation").glob("*.csv"))


def layouts_of(ds: str) -> set[tuple[str, ...]]:
    """Every column layout the real files of `ds` show (NP6-905-CD writes `4`, `2.7` and `-0.98` alike)."""
    rows = [REAL_ROWS[ds]] + (REAL_SPP.read_text(encoding="ascii").splitlines()[1:] if ds == "RT_SPP" else [])
    return {layout(r) for r in rows}


def layout(row: str) -> tuple[str, ...]:
    out = []
    for cell in row.split(","):
        out.append(next((name for name, rx in FIELD_CLASSES if rx.match(cell)), f"?{cell!r}"))
    return tuple(out)


@dataclass
class Pub:
    path: Path
    dataset: str
    friendly: str
    publish: dt.datetime  # naive local wall clock from the name
    info: zipfile.ZipInfo
    members: list[str]
    raw: bytes

    @property
    def lines(self) -> list[str]:
        return self.raw.decode("ascii").split("\r\n")[:-1]

    @property
    def rows(self) -> list[list[str]]:
        return [line.split(",") for line in self.lines[1:]]


def load(paths: list[Path]) -> list[Pub]:
    pubs = []
    for p in paths:
        m = NAME_RE.match(p.name)
        assert m, p.name
        with zipfile.ZipFile(p) as zf:
            infos = zf.infolist()
            raw = zf.read(infos[0])
        pubs.append(Pub(p, TYPE_IDS[m["type"]], m["friendly"],
                        dt.datetime.strptime(m["date"] + m["time"], "%Y%m%d%H%M%S"),
                        infos[0], [i.filename for i in infos], raw))
    return pubs


def by_dataset(pubs: list[Pub]) -> dict[str, list[Pub]]:
    out: dict[str, list[Pub]] = defaultdict(list)
    for p in pubs:
        out[p.dataset].append(p)
    return out


def local_to_utc(naive: dt.datetime, flag: str) -> dt.datetime:
    return naive.replace(tzinfo=CENTRAL, fold=1 if flag == "Y" else 0).astimezone(UTC)


def mdy(s: str) -> dt.date:
    return dt.datetime.strptime(s, "%m/%d/%Y").date()


def hour_start_utc(row: list[str]) -> dt.datetime:  # DA / AS rows
    start = dt.datetime.combine(mdy(row[0]), dt.time(0)) + dt.timedelta(hours=int(row[1][:2]) - 1)
    return local_to_utc(start, row[-1])


def spp_start_utc(row: list[str]) -> dt.datetime:
    start = (dt.datetime.combine(mdy(row[0]), dt.time(0))
             + dt.timedelta(hours=int(row[1]) - 1, minutes=15 * (int(row[2]) - 1)))
    return local_to_utc(start, row[-1])


def sced_utc(row: list[str]) -> dt.datetime:
    return local_to_utc(dt.datetime.strptime(row[0], "%m/%d/%Y %H:%M:%S"), row[1])


def is_continuous(starts: list[dt.datetime], step: dt.timedelta) -> bool:
    return all(b - a == step for a, b in zip(starts, starts[1:]))


# ------------------------------------------------------------------------------------------------ fixtures

FALL = dict(start=dt.date(2024, 11, 2), days=3)     # 2024-11-03 falls back
SPRING = dict(start=dt.date(2024, 3, 8), days=4)    # 2024-03-10 springs forward


@pytest.fixture(scope="module")
def fall_paths(tmp_path_factory) -> list[Path]:
    return generate_ercot(tmp_path_factory.mktemp("fall"), **FALL)


@pytest.fixture(scope="module")
def fall(fall_paths) -> dict[str, list[Pub]]:
    return by_dataset(load(fall_paths))


@pytest.fixture(scope="module")
def spring(tmp_path_factory) -> dict[str, list[Pub]]:
    return by_dataset(load(generate_ercot(tmp_path_factory.mktemp("spring"), **SPRING)))


@pytest.fixture(scope="module")
def default(tmp_path_factory) -> dict[str, list[Pub]]:
    return by_dataset(load(generate_ercot(tmp_path_factory.mktemp("default"))))


def on_day(pubs: list[Pub], day: dt.date) -> list[Pub]:
    """Publications whose data rows belong to operating day `day` (SCED: the run's calendar day)."""
    return [p for p in pubs if mdy(p.rows[0][0][:10]) == day]


# ------------------------------------------------------------------------------------------------ determinism

def test_same_arguments_give_byte_identical_files(fall_paths, tmp_path):
    again = generate_ercot(tmp_path / "again", **FALL)
    assert [p.name for p in again] == [p.name for p in fall_paths]
    for a, b in zip(fall_paths, again):
        assert a.read_bytes() == b.read_bytes(), a.name


def test_a_dataset_does_not_depend_on_the_others_and_the_seed_matters(fall_paths, tmp_path):
    alone = generate_ercot(tmp_path / "alone", **FALL, datasets=("RT_SPP",))
    together = [p for p in fall_paths if ".00012301." in p.name]
    assert [p.name for p in alone] == [p.name for p in together]
    assert all(a.read_bytes() == b.read_bytes() for a, b in zip(alone, together))
    other_seed = generate_ercot(tmp_path / "seed8", **FALL, seed=8, datasets=("DA_prices",))
    same_seed = [p for p in fall_paths if ".00012331." in p.name]
    assert [p.name for p in other_seed] == [p.name for p in same_seed]
    assert other_seed[0].read_bytes() != same_seed[0].read_bytes()


def test_unknown_dataset_is_refused(tmp_path):
    with pytest.raises(ValueError, match="RT_LMP"):
        generate_ercot(tmp_path, days=1, datasets=("RT_LMP",))


# ------------------------------------------------------------------------------------------------ names and packaging

def test_naming_regex_accepts_the_real_file_name():
    real_zip_name = REAL_SCED.name.replace("__EXCERPT.csv", "_csv.zip")
    m = NAME_RE.match(real_zip_name)
    assert m and m["type"] == "00012300"
    f = FRIENDLY_RE["RT_prices"].match(m["friendly"])
    assert f and (f["date"], f["time"]) == ("20260625", "004018")


def test_names_and_zip_members_follow_the_mis_scheme(fall, spring):
    for pubs in (fall, spring):
        assert set(pubs) == set(HEADERS)
        for ds, items in pubs.items():
            for p in items:
                assert FRIENDLY_RE[ds].match(p.friendly), p.path.name
                assert p.members == [p.path.name[: -len("_csv.zip")] + ".csv"]
                assert p.info.compress_type == zipfile.ZIP_DEFLATED
                # DOS timestamps have 2-second resolution
                want = p.publish.replace(second=p.publish.second // 2 * 2)
                assert dt.datetime(*p.info.date_time) == want, p.path.name


def test_publish_times_and_friendly_times(fall, spring):
    for pubs in (fall, spring):
        for ds in ("DA_prices", "AS_prices"):
            for p in pubs[ds]:  # the day-ahead reports are published the day before, after noon
                assert p.publish.date() == mdy(p.rows[0][0]) - dt.timedelta(days=1)
                assert dt.time(12) <= p.publish.time() <= dt.time(14)
        for p in pubs["RT_prices"]:
            row = p.rows[0]
            f = FRIENDLY_RE["RT_prices"].match(p.friendly)
            local = dt.datetime.strptime(row[0], "%m/%d/%Y %H:%M:%S")
            assert (f["date"], f["time"]) == (f"{local:%Y%m%d}", f"{local:%H%M%S}")
            assert bool(f["xhr"]) == (row[1] == "Y")
            published = sced_utc(row) + dt.timedelta(seconds=2)
            assert published.astimezone(CENTRAL).replace(tzinfo=None) == p.publish
        for p in pubs["RT_SPP"]:
            end = spp_start_utc(p.rows[0]) + dt.timedelta(minutes=15)
            end_local = end.astimezone(CENTRAL)
            f = FRIENDLY_RE["RT_SPP"].match(p.friendly)
            assert (f["date"], f["time"]) == (f"{end_local:%Y%m%d}", f"{end_local:%H%M}")
            assert bool(f["xhr"]) == bool(end_local.fold)
            # published a few minutes after the interval end (the name's wall clock may be either occurrence)
            assert any(dt.timedelta(0) < local_to_utc(p.publish, f) - end < dt.timedelta(minutes=5) for f in "NY")


def test_every_zip_holds_one_crlf_csv_with_the_exact_header(fall, spring):
    assert REAL_SCED.read_text(encoding="ascii").splitlines()[0] == HEADERS["RT_prices"]
    for pubs in (fall, spring):
        for ds, items in pubs.items():
            for p in items:
                assert len(p.members) == 1
                assert p.raw.startswith(HEADERS[ds].encode() + b"\r\n"), p.path.name
                assert p.raw.endswith(b"\r\n")
                assert p.raw.count(b"\n") == p.raw.count(b"\r\n") == p.raw.count(b"\r")


def test_headers_and_name_tokens_agree_with_the_report_seed():
    """The landing step recognises files by the seed's name token and header; the sample must match both."""
    seed = Path(__file__).resolve().parents[2] / "seeds" / "iso_reports.csv"
    with seed.open(newline="", encoding="utf-8") as fh:
        rows = [r for r in csv.DictReader(fh) if r["iso"] == "ERCOT"]
    for ds, header in HEADERS.items():
        (type_id,) = [t for t, d in TYPE_IDS.items() if d == ds]
        match = [r for r in rows if r["type_id"] == str(int(type_id))]
        assert match and match[0]["dataset"] == ds and match[0]["header"] == header
        assert FRIENDLY_RE[ds].pattern.lstrip("^").startswith(match[0]["name_token"])


def test_rows_have_the_real_column_layout(fall, spring):
    for pubs in (fall, spring):
        for ds, items in pubs.items():
            real = REAL_ROWS[ds]
            want = layouts_of(ds)
            assert not any(c.startswith("?") for w in want for c in w), (ds, want)
            for p in items:
                for row in p.lines[1:]:
                    assert layout(row) in want, (p.path.name, row)
            # price padding as in the real row: right-aligned to its width where it has one, none where it has none
            price_col = layout(real).index("price")
            width = len(real.split(",")[price_col]) if real.split(",")[price_col].startswith(" ") else 0
            for p in items:
                for row in p.rows:
                    cell = row[price_col]
                    assert len(cell) == max(width, len(cell.strip())), (p.path.name, row)


def test_every_point_is_in_every_file_with_its_type(fall):
    assert len(ALL_POINTS) == len(HUBS) + len(LOAD_ZONES) + len(DC_TIES) + len(RESOURCE_NODES) == 24
    for p in fall["DA_prices"]:
        per_hour = Counter((r[1], r[4]) for r in p.rows)
        assert set(per_hour.values()) == {len(ALL_POINTS)}
        assert {r[2] for r in p.rows} == set(ALL_POINTS)
    for p in fall["RT_prices"]:
        assert [r[2] for r in p.rows] == sorted(ALL_POINTS)
    # as in the real NP6-905-CD file (fixtures/real_samples/ercot/rickdgray_ErcotAutomation): load zones under LZ and
    # LZEW, DC ties under LZ_DC and LZ_DCEW, the pair in either order; everything else once
    types = {"HB_BUSAVG": {"SH"}, "HB_HUBAVG": {"AH"}, "HB_NORTH": {"HU"}, "LZ_RAYBN": {"LZ", "LZEW"},
             "LZ_AEN": {"LZ", "LZEW"}, "DC_E": {"LZ_DC", "LZ_DCEW"}, "BRAUNIG_AVR1": {"RN"}, "7RNCHSLR_ALL": {"RN"}}
    orders, ew_differs = set(), 0
    for p in fall["RT_SPP"]:
        assert sorted((r[3], r[4]) for r in p.rows) == sorted(SPP_ROWS)
        assert [r[3] for r in p.rows] == sorted(r[3] for r in p.rows)  # sorted by name, as ERCOT writes them
        got: dict[str, dict[str, str]] = {}
        for r in p.rows:
            got.setdefault(r[3], {})[r[4]] = r[5]
        assert all(set(got[k]) == v for k, v in types.items())
        orders.add(tuple(r[4] for r in p.rows if r[3] == "LZ_AEN"))
        ew_differs += sum(got[z]["LZ"] != got[z]["LZEW"] for z in LOAD_ZONES)
        assert all(got[d]["LZ_DC"] == got[d]["LZ_DCEW"] for d in DC_TIES)
        assert not any(v.endswith("0") and "." in v for r in got.values() for v in r.values())  # `2.7`, not `2.70`
    assert orders == {("LZ", "LZEW"), ("LZEW", "LZ")}
    assert ew_differs > 0


# ------------------------------------------------------------------------------------------------ DST days

def test_fall_back_day(fall):
    day = dt.date(2024, 11, 3)
    (da,) = on_day(fall["DA_prices"], day)
    hours = list(dict.fromkeys((r[1], r[4]) for r in da.rows))
    assert len(hours) == 25
    assert hours[:4] == [("01:00", "N"), ("02:00", "N"), ("02:00", "Y"), ("03:00", "N")]
    assert hours[-1] == ("24:00", "N")
    flags = [r[4] for r in da.rows]
    y_rows = [i for i, f in enumerate(flags) if f == "Y"]
    assert len(y_rows) == len(ALL_POINTS) and y_rows == list(range(y_rows[0], y_rows[0] + len(ALL_POINTS)))
    assert all(da.rows[i][1] == "02:00" for i in y_rows)
    starts = sorted({hour_start_utc(r) for r in da.rows})
    assert len(starts) == 25 and is_continuous(starts, dt.timedelta(hours=1))

    (asp,) = on_day(fall["AS_prices"], day)
    assert len(asp.rows) == 25 * 5
    assert [r[2] for r in asp.rows[:5]] == ["REGDN", "REGUP", "RRS", "NSPIN", "ECRS"]
    assert sum(r[4] == "Y" for r in asp.rows) == 5

    sced = on_day(fall["RT_prices"], day)
    assert len(sced) == 300 + EXTRA_SCED_RUNS_PER_DAY
    runs = [sced_utc(p.rows[0]) for p in sced]
    intervals = sorted({t - dt.timedelta(seconds=t.second, minutes=t.minute % 5) for t in runs})
    assert len(intervals) == 300 and is_continuous(intervals, dt.timedelta(minutes=5))
    assert len(set(runs)) == len(runs)
    y_runs = [p for p in sced if p.rows[0][1] == "Y"]
    assert len({p.rows[0][0][11:16] for p in y_runs}) == 12  # 01:00..01:55, second time
    assert all(p.rows[0][0][11:13] == "01" for p in y_runs)
    assert len({p.path.name for p in sced}) == len(sced)  # xhr keeps the two 01:xx:ss runs apart

    spp = on_day(fall["RT_SPP"], day)
    assert len(spp) == 100
    keys = [(p.rows[0][1], p.rows[0][2], p.rows[0][6]) for p in spp]
    assert len(set(keys)) == 100
    assert sorted(k for k in keys if k[2] == "Y") == [("2", str(i), "Y") for i in range(1, 5)]
    starts = sorted(spp_start_utc(p.rows[0]) for p in spp)
    assert is_continuous(starts, dt.timedelta(minutes=15))


def test_spring_forward_day(spring):
    day = dt.date(2024, 3, 10)
    (da,) = on_day(spring["DA_prices"], day)
    hours = list(dict.fromkeys(r[1] for r in da.rows))
    assert len(hours) == 23 and "03:00" not in hours
    assert {r[4] for r in da.rows} == {"N"}
    starts = sorted({hour_start_utc(r) for r in da.rows})
    assert is_continuous(starts, dt.timedelta(hours=1))

    (asp,) = on_day(spring["AS_prices"], day)
    assert len(asp.rows) == 23 * 5 and "03:00" not in {r[1] for r in asp.rows}

    sced = on_day(spring["RT_prices"], day)
    assert len(sced) == 276 + EXTRA_SCED_RUNS_PER_DAY
    assert not [p for p in sced if p.rows[0][0][11:13] == "02"]
    assert {p.rows[0][1] for p in sced} == {"N"}
    runs = sorted(sced_utc(p.rows[0]) for p in sced)
    intervals = sorted({t - dt.timedelta(seconds=t.second, minutes=t.minute % 5) for t in runs})
    assert len(intervals) == 276 and is_continuous(intervals, dt.timedelta(minutes=5))

    spp = on_day(spring["RT_SPP"], day)
    assert len(spp) == 92 and "3" not in {p.rows[0][1] for p in spp}
    starts = sorted(spp_start_utc(p.rows[0]) for p in spp)
    assert is_continuous(starts, dt.timedelta(minutes=15))


def test_ordinary_day_has_288_regular_sced_runs_off_the_clock(spring):
    sced = on_day(spring["RT_prices"], dt.date(2024, 3, 8))
    assert len(sced) == 288 + EXTRA_SCED_RUNS_PER_DAY
    seconds = [int(p.rows[0][0][-2:]) + 60 * (int(p.rows[0][0][-5:-3]) % 5) for p in sced]
    assert all(s >= 10 for s in seconds)  # never on the 5-minute mark
    per_interval = Counter(p.rows[0][0][:15] + str(int(p.rows[0][0][15]) // 5) for p in sced)
    assert sorted(per_interval.values())[-EXTRA_SCED_RUNS_PER_DAY:] == [2] * EXTRA_SCED_RUNS_PER_DAY


# ------------------------------------------------------------------------------------------------ counts and prices

def written_counts(pubs: dict[str, list[Pub]]) -> dict[str, dict[str, int]]:
    return {ds: {"files": len(items), "rows": sum(len(p.rows) for p in items)} for ds, items in pubs.items()}


def test_expected_counts_match_what_is_written(default, spring, fall):
    assert written_counts(default) == expected_counts()
    assert written_counts(default) == expected_counts(dt.date(2024, 10, 21), 21)
    assert written_counts(spring) == expected_counts(**SPRING)
    assert written_counts(fall) == expected_counts(**FALL)
    assert expected_counts()["RT_SPP"]["files"] == 20 * 96 + 100


def test_ecrs_only_from_its_first_delivery_day(tmp_path):
    start = dt.date(2023, 6, 8)
    pubs = by_dataset(load(generate_ercot(tmp_path, start=start, days=3, datasets=("AS_prices",))))
    types = {mdy(p.rows[0][0]): {r[2] for r in p.rows} for p in pubs["AS_prices"]}
    assert types[dt.date(2023, 6, 9)] == {"REGDN", "REGUP", "RRS", "NSPIN"}
    assert types[dt.date(2023, 6, 10)] == {"REGDN", "REGUP", "RRS", "NSPIN", "ECRS"}
    assert written_counts(pubs)["AS_prices"] == expected_counts(start, 3)["AS_prices"]


def test_prices_are_plausible_and_da_rt_related(default):
    col = {"DA_prices": 3, "RT_prices": 3, "RT_SPP": 5, "AS_prices": 3}
    values = {ds: [float(r[col[ds]]) for p in items for r in p.rows] for ds, items in default.items()}
    for ds in ("DA_prices", "RT_prices", "RT_SPP"):
        v = values[ds]
        assert -10 < min(v) < 0, ds  # a few negative nodes
        assert max(v) < 1000, ds
        assert 20 < sorted(v)[len(v) // 2] < 60, ds  # median
    assert max(values["RT_prices"]) > 150  # a rare spike
    assert sum(v > 150 for v in values["RT_prices"]) < 0.01 * len(values["RT_prices"])
    assert 0.01 <= min(values["AS_prices"]) and max(values["AS_prices"]) <= 30

    def hub_mean(ds: str, point_col: int) -> float:
        v = [float(r[col[ds]]) for p in default[ds] for r in p.rows if r[point_col] == "HB_NORTH"]
        return sum(v) / len(v)

    da, rt = hub_mean("DA_prices", 2), hub_mean("RT_prices", 2)
    assert da != rt and abs(da - rt) / da < 0.2
    # peak hours (HE 16-20) dearer than night (HE 01-05) day-ahead
    da_rows = [r for p in default["DA_prices"] for r in p.rows if r[2] == "HB_NORTH"]
    peak = [float(r[3]) for r in da_rows if 16 <= int(r[1][:2]) <= 20]
    night = [float(r[3]) for r in da_rows if int(r[1][:2]) <= 5]
    assert sum(peak) / len(peak) > 1.5 * sum(night) / len(night)
