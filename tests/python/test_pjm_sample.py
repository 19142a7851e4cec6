"""The PJM sample generator writes Data Miner 2 CSV exports like the real ones in fixtures/real_samples/pjm: the exact
header, CRLF, `M/D/YYYY h:mm:ss AM` times, the real rows' column layout and decimals, components that add up, the EPT
wall clock repeating 1:00 AM on the fall-back day, the ISO-8601 variant of the same data, and `expected_counts`."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from collections import Counter, defaultdict
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from ingest.sample.pjm import HUBS, ZONES, expected_counts, generate_pjm

ET = ZoneInfo("America/New_York")
UTC = dt.UTC
REAL = Path(__file__).parent / "fixtures" / "real_samples" / "pjm"
REAL_DA = REAL / "zhyg1212_cr-cvar-shp-experiments" / "da_hrl_lmps.csv"
REAL_RT = REAL / "zhyg1212_cr-cvar-shp-experiments" / "rt_hrl_lmps.csv"
SEEDS = Path(__file__).resolve().parents[2] / "seeds"
EXPORT_TIME = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4}) (\d{1,2}):(\d\d):(\d\d) (AM|PM)$")


def parse_export(text: str) -> dt.datetime:
    """Independent parser of Data Miner's export format (no strptime padding assumptions)."""
    m = EXPORT_TIME.match(text)
    assert m, text
    month, day, year, hour, minute, second = (int(x) for x in m.groups()[:6])
    hour = hour % 12 + (12 if m[7] == "PM" else 0)
    return dt.datetime(year, month, day, hour, minute, second)


def rows_of(path: Path) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(path.read_bytes().decode("ascii").replace("\r\n", "\n"))))


def decimals(cell: str) -> int:
    return len(cell.split(".")[1]) if "." in cell else 0


@pytest.fixture(scope="module")
def fall(tmp_path_factory) -> dict[str, list[Path]]:
    paths = generate_pjm(tmp_path_factory.mktemp("pjm_fall"), start=dt.date(2024, 11, 2), days=2)
    out = defaultdict(list)
    for p in paths:
        out[p.name.rsplit("_", 2)[0]].append(p)
    return out


def test_headers_crlf_and_names(fall):
    real_header = REAL_DA.read_bytes().split(b"\r\n")[0].decode()
    with (SEEDS / "iso_reports.csv").open(newline="") as fh:
        seed = {r["format"]: r for r in csv.DictReader(fh) if r["iso"] == "PJM"}
    assert set(fall) == {"da_hrl_lmps", "rt_fivemin_hrl_lmps", "rt_hrl_lmps", "da_reserve_market_results"}
    for feed, paths in fall.items():
        for p in paths:
            raw = p.read_bytes()
            assert raw.count(b"\n") == raw.count(b"\r\n") > 1 and raw.endswith(b"\r\n")
            header = raw.split(b"\r\n")[0].decode()
            assert header == seed[feed]["header"]
            assert seed[feed]["name_token"] in p.name
            assert re.match(rf"^{feed}_\d{{8}}_\d{{8}}\.csv$", p.name)
    assert seed["da_hrl_lmps"]["header"] == real_header
    assert seed["rt_hrl_lmps"]["header"] == REAL_RT.read_bytes().split(b"\r\n")[0].decode()


@pytest.mark.parametrize("feed,real", [("da_hrl_lmps", REAL_DA), ("rt_hrl_lmps", REAL_RT), ("rt_fivemin_hrl_lmps", REAL_RT)])
def test_rows_are_laid_out_like_the_real_export(fall, feed, real):
    # DA and 5-minute totals are the exact sum of the components; hourly RT averages each column on its own
    tolerance = 0.01 if feed == "rt_hrl_lmps" else 1.5e-6
    real_rows = rows_of(real)
    real_hub = real_rows[0]
    for p in fall[feed]:
        rows = rows_of(p)
        for r in rows:
            assert EXPORT_TIME.match(r["datetime_beginning_utc"]) and EXPORT_TIME.match(r["datetime_beginning_ept"])
            assert (r["row_is_current"], r["version_nbr"]) == ("True", "1")
            for col in list(r)[8:12]:  # same decimals as the real export, per price column
                assert decimals(r[col]) == decimals(real_hub[col]), (col, r[col], real_hub[col])
            if r["type"] in ("HUB", "ZONE"):
                assert (r["voltage"], r["equipment"], r["zone"]) == ("", "", "")
            m = feed[:2]
            total = float(r[f"system_energy_price_{m}"]) + float(r[f"congestion_price_{m}"]) + float(r[f"marginal_loss_price_{m}"])
            assert abs(float(r[f"total_lmp_{m}"]) - total) < tolerance
        # Data Miner order: by UTC time, then pnode id
        keys = [(parse_export(r["datetime_beginning_utc"]), int(r["pnode_id"])) for r in rows]
        assert keys == sorted(keys)
    # the real export obeys the same identities (checks the check)
    for r in real_rows:
        m = "da" if "total_lmp_da" in r else "rt"
        total = float(r[f"system_energy_price_{m}"]) + float(r[f"congestion_price_{m}"]) + float(r[f"marginal_loss_price_{m}"])
        assert abs(float(r[f"total_lmp_{m}"]) - total) < (1.5e-6 if m == "da" else 0.01)


def test_hub_names_and_ids_are_the_real_ones():
    real = {(int(r["pnode_id"]), r["pnode_name"]) for r in rows_of(REAL_DA)}
    assert {(h.pnode_id, h.name) for h in HUBS} == real
    assert (1, "PJM-RTO") in {(z.pnode_id, z.name) for z in ZONES}


@pytest.mark.parametrize("feed,minutes", [("da_hrl_lmps", 60), ("rt_fivemin_hrl_lmps", 5), ("rt_hrl_lmps", 60),
                                          ("da_reserve_market_results", 60)])
def test_ept_repeats_1_am_on_the_fall_back_day_and_utc_is_continuous(fall, feed, minutes):
    rows = [r for p in fall[feed] for r in rows_of(p)]
    utc = sorted({parse_export(r["datetime_beginning_utc"]).replace(tzinfo=UTC) for r in rows})
    step = dt.timedelta(minutes=minutes)
    assert all(b - a == step for a, b in zip(utc, utc[1:]))
    assert len(utc) == (24 + 25) * 60 // minutes
    for r in rows:  # the EPT column is the zoneinfo conversion of the UTC column
        t = parse_export(r["datetime_beginning_utc"]).replace(tzinfo=UTC)
        assert parse_export(r["datetime_beginning_ept"]) == t.astimezone(ET).replace(tzinfo=None)
    ept = Counter(r["datetime_beginning_ept"] for r in rows if r["datetime_beginning_ept"].startswith("11/3/2024 1:00:00 AM"))
    per_time = len(rows) // len(utc)
    assert ept == {"11/3/2024 1:00:00 AM": 2 * per_time}


def test_spring_forward_day_skips_2_am(tmp_path):
    (path,) = generate_pjm(tmp_path, start=dt.date(2024, 3, 10), days=1, datasets=("DA_prices",))
    hours = sorted({r["datetime_beginning_ept"] for r in rows_of(path)}, key=parse_export)
    assert len(hours) == 23 and not [h for h in hours if " 2:00:00 AM" in h]


def test_iso_8601_variant_holds_the_same_data(tmp_path):
    export = generate_pjm(tmp_path / "export", start=dt.date(2024, 11, 3), days=1, datasets=("DA_prices", "AS_prices"))
    iso = generate_pjm(tmp_path / "iso", start=dt.date(2024, 11, 3), days=1, datasets=("DA_prices", "AS_prices"),
                       timestamps="iso")
    for a, b in zip(export, iso):
        ra, rb = rows_of(a), rows_of(b)
        assert len(ra) == len(rb)
        assert any(r["datetime_beginning_utc"].endswith(".000") for r in rb)
        assert any(not r["datetime_beginning_utc"].endswith(".000") for r in rb)
        for x, y in zip(ra, rb):
            for col in ("datetime_beginning_utc", "datetime_beginning_ept"):
                assert parse_export(x[col]) == dt.datetime.fromisoformat(y[col])
            assert {k: v for k, v in x.items() if not k.startswith("datetime")} == \
                   {k: v for k, v in y.items() if not k.startswith("datetime")}


def test_reserves_by_locale_and_service(fall):
    rows = [r for p in fall["da_reserve_market_results"] for r in rows_of(p)]
    with (SEEDS / "as_products.csv").open(newline="") as fh:
        services = {r["iso_product"] for r in csv.DictReader(fh) if r["iso"] == "PJM"}
    assert {r["service"] for r in rows} <= services
    keys = Counter((r["datetime_beginning_utc"], r["locale"], r["service"]) for r in rows)
    assert set(keys.values()) == {1}
    by = {(r["datetime_beginning_utc"], r["locale"], r["service"]): float(r["mcp"]) for r in rows}
    for (t, _locale, svc), v in by.items():
        assert v >= 0 and v >= by[(t, "PJM RTO Reserve Zone", svc)] - 1e-9  # the subzone clears at or above the RTO


def test_expected_counts_and_byte_identical_reruns(tmp_path):
    a = generate_pjm(tmp_path / "a", start=dt.date(2024, 11, 1), days=8)
    b = generate_pjm(tmp_path / "b", start=dt.date(2024, 11, 1), days=8)
    assert [p.read_bytes() for p in a] == [p.read_bytes() for p in b]
    written: dict[str, dict[str, int]] = defaultdict(lambda: {"files": 0, "rows": 0})
    datasets = {"da_hrl_lmps": "DA_prices", "rt_fivemin_hrl_lmps": "RT_prices", "rt_hrl_lmps": "RT_hourly",
                "da_reserve_market_results": "AS_prices"}
    for p in a:
        ds = datasets[p.name.rsplit("_", 2)[0]]
        written[ds]["files"] += 1
        written[ds]["rows"] += len(rows_of(p))
    assert dict(written) == expected_counts(dt.date(2024, 11, 1), 8)
    alone = generate_pjm(tmp_path / "c", start=dt.date(2024, 11, 1), days=8, datasets=("RT_hourly",))
    assert [p.read_bytes() for p in alone] == [p.read_bytes() for p in a if p.name.startswith("rt_hrl_lmps")]
    with pytest.raises(ValueError, match="RT_5min"):
        generate_pjm(tmp_path / "d", days=1, datasets=("RT_5min",))
