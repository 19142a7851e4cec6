"""The CAISO sample generator writes OASIS SingleZip downloads in the real formats: zip and CSV names, one CSV per price
component with the exact header, GMT stamps, DST days right, components that add up, byte-identical reruns, and
`expected_counts` telling the truth. Expectations come from FORMATS.md and Python's zoneinfo, not from the generator."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import zipfile
from collections import Counter, defaultdict
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from ingest.sample.caiso import expected_counts, generate_caiso

PT = ZoneInfo("America/Los_Angeles")
UTC = dt.UTC
SEEDS = Path(__file__).resolve().parents[2] / "seeds"

# Exact headers from shared/FORMATS.md (CAISO OASIS table).
HEADERS = {
    "PRC_LMP": "INTERVALSTARTTIME_GMT,INTERVALENDTIME_GMT,OPR_DT,OPR_HR,OPR_INTERVAL,NODE_ID_XML,NODE_ID,NODE,MARKET_RUN_ID,"
               "LMP_TYPE,XML_DATA_ITEM,PNODE_RESMRID,GRP_TYPE,POS,MW,GROUP",
    "PRC_RTPD_LMP": "INTERVALSTARTTIME_GMT,INTERVALENDTIME_GMT,OPR_DT,OPR_HR,NODE_ID_XML,NODE_ID,NODE,MARKET_RUN_ID,LMP_TYPE,"
                    "XML_DATA_ITEM,PNODE_RESMRID,GRP_TYPE,POS,PRC,OPR_INTERVAL,GROUP",
    "PRC_INTVL_LMP": "INTERVALSTARTTIME_GMT,INTERVALENDTIME_GMT,OPR_DT,OPR_HR,NODE_ID_XML,NODE_ID,NODE,MARKET_RUN_ID,LMP_TYPE,"
                     "XML_DATA_ITEM,PNODE_RESMRID,GRP_TYPE,POS,VALUE,OPR_INTERVAL,GROUP",
    "PRC_AS": "INTERVALSTARTTIME_GMT,INTERVALENDTIME_GMT,OPR_DT,OPR_HR,OPR_INTERVAL,OPR_TYPE,ANC_TYPE,ANC_REGION,MARKET_RUN_ID,"
              "XML_DATA_ITEM,MW,GROUP",
}
MARKET = {"PRC_LMP": "DAM", "PRC_RTPD_LMP": "RTPD", "PRC_INTVL_LMP": "RTM", "PRC_AS": "DAM"}
MINUTES = {"PRC_LMP": 60, "PRC_RTPD_LMP": 15, "PRC_INTVL_LMP": 5, "PRC_AS": 60}
DATASET = {"PRC_LMP": "DA_prices", "PRC_RTPD_LMP": "RT_prices", "PRC_INTVL_LMP": "RT_5min", "PRC_AS": "AS_prices"}
COMPONENT_ITEMS = {"LMP": "LMP_PRC", "MCE": "LMP_ENE_PRC", "MCC": "LMP_CONG_PRC", "MCL": "LMP_LOSS_PRC", "MGHG": "LMP_GHG_PRC"}
REAL_ROW = ("2022-02-01T15:00:00-00:00,2022-02-01T16:00:00-00:00,2022-02-01,8,0,0096WD_7_N001,0096WD_7_N001,0096WD_7_N001,"
            "DAM,LMP,LMP_PRC,0096WD_7_N001,ALL,1,74.63,1")  # FORMATS.md "real-shaped row"
ZIP_RE = re.compile(r"^(?P<start>\d{8})_(?P<end>\d{8})_(?P<query>PRC_[A-Z_]+?)_(?P<market>DAM|RTPD|RTM)_"
                    r"(?P<requested>\d{8}_\d{2}_\d{2}_\d{2})_v(?P<version>\d+)\.zip$")
GMT_RE = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:00-00:00$")


def gmt(text: str) -> dt.datetime:
    assert GMT_RE.match(text), text
    return dt.datetime.fromisoformat(text)


def read_zip(path: Path) -> dict[str, list[dict[str, str]]]:
    with zipfile.ZipFile(path) as zf:
        return {n: list(csv.DictReader(io.StringIO(zf.read(n).decode("ascii")))) for n in zf.namelist()}


@pytest.fixture(scope="module")
def fall(tmp_path_factory) -> list[Path]:
    return generate_caiso(tmp_path_factory.mktemp("caiso_fall"), start=dt.date(2024, 11, 2), days=3)


@pytest.fixture(scope="module")
def spring(tmp_path_factory) -> list[Path]:
    return generate_caiso(tmp_path_factory.mktemp("caiso_spring"), start=dt.date(2024, 3, 10), days=1,
                          datasets=("DA_prices", "RT_prices"))


def test_zip_and_csv_names_follow_oasis(fall):
    assert {ZIP_RE.match(p.name)["query"] for p in fall} == set(HEADERS)
    for p in fall:
        m = ZIP_RE.match(p.name)
        assert m, p.name
        assert m["market"] == MARKET[m["query"]]
        assert m["version"] == {"PRC_LMP": "12", "PRC_AS": "12"}.get(m["query"], "3")
        start, end = (dt.datetime.strptime(m[k], "%Y%m%d").date() for k in ("start", "end"))
        assert 1 <= (end - start).days <= 31  # OASIS windows
        assert dt.datetime.strptime(m["requested"], "%Y%m%d_%H_%M_%S").date() >= end  # asked for after the window
        with zipfile.ZipFile(p) as zf:
            names = zf.namelist()
        prefix = f"{m['start']}_{m['end']}_{m['query']}_{m['market']}"
        if m["query"] == "PRC_AS":
            assert names == [f"{prefix}_v{m['version']}.csv"]
        else:  # one CSV per price component
            assert sorted(names) == sorted(f"{prefix}_{c}_v{m['version']}.csv" for c in COMPONENT_ITEMS)


def test_headers_match_formats_card_and_report_seed(fall):
    with (SEEDS / "iso_reports.csv").open(newline="") as fh:
        seed = {r["report_id"]: r for r in csv.DictReader(fh) if r["iso"] == "CAISO"}
    for query, header in HEADERS.items():
        assert seed[query]["header"] == header and seed[query]["dataset"] == DATASET[query]
    for p in fall:
        query = ZIP_RE.match(p.name)["query"]
        with zipfile.ZipFile(p) as zf:
            for name in zf.namelist():
                text = zf.read(name).decode("ascii")
                assert text.split("\n", 1)[0] == HEADERS[query]
                assert seed[query]["name_token"] in name  # landing recognises the CSV by its name


def test_rows_have_the_real_layout_and_gmt_stamps(fall):
    real = REAL_ROW.split(",")
    for p in fall:
        if ZIP_RE.match(p.name)["query"] != "PRC_LMP":
            continue
        for rows in read_zip(p).values():
            for r in rows:
                cells = list(r.values())
                assert len(cells) == len(real)
                assert r["NODE_ID_XML"] == r["NODE_ID"] == r["NODE"] == r["PNODE_RESMRID"]
                assert (r["OPR_INTERVAL"], r["MARKET_RUN_ID"], r["GRP_TYPE"]) == ("0", "DAM", "ALL")
                assert gmt(r["INTERVALENDTIME_GMT"]) - gmt(r["INTERVALSTARTTIME_GMT"]) == dt.timedelta(hours=1)
                assert COMPONENT_ITEMS[r["LMP_TYPE"]] == r["XML_DATA_ITEM"]
                assert re.match(r"^-?\d+\.\d{5}$", r["MW"]), r["MW"]


@pytest.mark.parametrize("query,day,hours", [("PRC_LMP", dt.date(2024, 11, 3), 25), ("PRC_RTPD_LMP", dt.date(2024, 11, 3), 25),
                                             ("PRC_INTVL_LMP", dt.date(2024, 11, 3), 25), ("PRC_AS", dt.date(2024, 11, 3), 25)])
def test_fall_back_day_has_25_continuous_gmt_hours(fall, query, day, hours):
    starts: set[dt.datetime] = set()
    opr: dict[dt.datetime, tuple[str, str]] = {}
    for p in fall:
        if ZIP_RE.match(p.name)["query"] == query:
            for rows in read_zip(p).values():
                for r in rows:
                    if r["OPR_DT"] == day.isoformat():
                        t = gmt(r["INTERVALSTARTTIME_GMT"])
                        starts.add(t)
                        opr[t] = (r["OPR_HR"], r.get("OPR_INTERVAL", "0"))
    step = dt.timedelta(minutes=MINUTES[query])
    # independent calendar: Pacific midnight to Pacific midnight, via zoneinfo
    first = dt.datetime.combine(day, dt.time(0), PT).astimezone(UTC)
    last = dt.datetime.combine(day + dt.timedelta(days=1), dt.time(0), PT).astimezone(UTC)
    assert sorted(starts) == [first + k * step for k in range(int((last - first) / step))]
    assert len(starts) == hours * 60 // MINUTES[query]
    # every stamp belongs to its OPR_DT in Pacific time; OPR_HR counts the hours of the day (25 on fall-back)
    assert all(t.astimezone(PT).date() == day for t in starts)
    assert sorted({int(h) for h, _ in opr.values()}) == list(range(1, hours + 1))
    repeated = [t for t in starts if t.astimezone(PT).hour == 1]
    assert len(repeated) == 2 * 60 // MINUTES[query]  # 01:00-02:00 PDT and again PST


def test_spring_forward_day_has_23_hours(spring):
    for p in spring:
        for rows in read_zip(p).values():
            starts = sorted({gmt(r["INTERVALSTARTTIME_GMT"]) for r in rows})
            step = starts[1] - starts[0]
            assert len(starts) * step == dt.timedelta(hours=23)
            assert all(b - a == step for a, b in zip(starts, starts[1:]))
            assert not [t for t in starts if t.astimezone(PT).hour == 2]


def test_components_add_up_and_ghg_only_at_imports(fall):
    for p in fall:
        query = ZIP_RE.match(p.name)["query"]
        if query == "PRC_AS":
            continue
        price_col = {"PRC_LMP": "MW", "PRC_RTPD_LMP": "PRC", "PRC_INTVL_LMP": "VALUE"}[query]
        values: dict[tuple[str, str], dict[str, float]] = defaultdict(dict)
        for rows in read_zip(p).values():
            for r in rows:
                values[(r["INTERVALSTARTTIME_GMT"], r["NODE"])][r["LMP_TYPE"]] = float(r[price_col])
        for (_, node), c in values.items():
            assert set(c) == set(COMPONENT_ITEMS)
            assert abs(c["LMP"] - (c["MCE"] + c["MCC"] + c["MCL"] + c["MGHG"])) < 1.5e-5
            assert (c["MGHG"] != 0) == (node == "DLAP_VEA-APND")
        energy = Counter(len({c["MCE"] for (t2, _), c in values.items() if t2 == t}) for t, _ in values)
        assert set(energy) == {1}  # one system energy price per interval


def test_as_rows_complete_unsorted_and_sub_regions_never_below_system(fall):
    rows = [r for p in fall if "_PRC_AS_" in p.name for rs in read_zip(p).values() for r in rs]
    keys = Counter((r["INTERVALSTARTTIME_GMT"], r["ANC_REGION"], r["ANC_TYPE"]) for r in rows)
    assert set(keys.values()) == {1}
    hours = {k[0] for k in keys}
    assert len(keys) == len(hours) * 3 * 6
    stamps = [r["INTERVALSTARTTIME_GMT"] for r in rows]
    assert stamps != sorted(stamps)  # OASIS returns AS rows unsorted
    by = {(r["INTERVALSTARTTIME_GMT"], r["ANC_REGION"], r["ANC_TYPE"]): float(r["MW"]) for r in rows}
    for (t, _region, anc), v in by.items():
        assert v >= 0
        assert v >= by[(t, "AS_CAISO_EXP", anc)] - 1e-9
    with (SEEDS / "as_products.csv").open(newline="") as fh:
        products = {r["iso_product"] for r in csv.DictReader(fh) if r["iso"] == "CAISO"}
    assert {r["ANC_TYPE"] for r in rows} == products


def test_expected_counts_match_what_is_written(tmp_path):
    paths = generate_caiso(tmp_path, start=dt.date(2024, 11, 1), days=9)
    written: dict[str, dict[str, int]] = defaultdict(lambda: {"zips": 0, "files": 0, "rows": 0})
    for p in paths:
        ds = DATASET[ZIP_RE.match(p.name)["query"]]
        members = read_zip(p)
        written[ds]["zips"] += 1
        written[ds]["files"] += len(members)
        written[ds]["rows"] += sum(len(r) for r in members.values())
    assert dict(written) == expected_counts(dt.date(2024, 11, 1), 9)


def test_byte_identical_reruns_and_independent_datasets(tmp_path):
    a = generate_caiso(tmp_path / "a", start=dt.date(2024, 11, 3), days=1)
    b = generate_caiso(tmp_path / "b", start=dt.date(2024, 11, 3), days=1)
    assert [p.name for p in a] == [p.name for p in b]
    assert all(x.read_bytes() == y.read_bytes() for x, y in zip(a, b))
    alone = generate_caiso(tmp_path / "c", start=dt.date(2024, 11, 3), days=1, datasets=("RT_5min",))
    assert [p.read_bytes() for p in alone] == [p.read_bytes() for p in a if "_PRC_INTVL_LMP_" in p.name]
    other = generate_caiso(tmp_path / "d", start=dt.date(2024, 11, 3), days=1, seed=8, datasets=("DA_prices",))
    assert read_zip(other[0]) != read_zip(next(p for p in a if "_PRC_LMP_" in p.name))
    with pytest.raises(ValueError, match="RT_SPP"):
        generate_caiso(tmp_path / "e", days=1, datasets=("RT_SPP",))
