"""The cross-ISO view `cross_iso.prices`: the ISOs' Stage 2 DA and RT datasets in the standard columns, so one
query compares ERCOT HB_NORTH, PJM WESTERN HUB, CAISO TH_SP15_GEN-APND, MISO ILLINOIS.HUB and SPP
SPPNORTH_HUB. Built
on two days (the fall-back day included) of each ISO's sample; expectations come from each ISO's own Stage 2 table and
from zoneinfo."""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from zoneinfo import ZoneInfo

import pytest

from conftest import build, query
from ingest.landing import land
from ingest.sample import generate_caiso, generate_ercot, generate_miso, generate_pjm, generate_spp

UTC = dt.UTC
DAYS = dict(start=dt.date(2024, 11, 2), days=2)
ZONES = {"ERCOT": "America/Chicago", "CAISO": "America/Los_Angeles", "PJM": "America/New_York",
         "MISO": "Etc/GMT+5", "SPP": "America/Chicago"}  # MISO: Eastern Standard Time all year
HUBS = {"ERCOT": "HB_NORTH", "CAISO": "TH_SP15_GEN-APND", "PJM": "WESTERN HUB", "MISO": "ILLINOIS.HUB",
        "SPP": "SPPNORTH_HUB"}
STAGE2 = {("ERCOT", "DA"): ("ercot.da_prices", "da_lmp"), ("ERCOT", "RT"): ("ercot.rt_prices", "rt_lmp"),
          ("CAISO", "DA"): ("caiso.da_prices", "da_lmp"), ("CAISO", "RT"): ("caiso.rt_prices", "rt_lmp"),
          ("PJM", "DA"): ("pjm.da_prices", "da_lmp"), ("PJM", "RT"): ("pjm.rt_prices", "rt_lmp"),
          ("MISO", "DA"): ("miso.da_prices", "da_lmp"), ("MISO", "RT"): ("miso.rt_prices", "rt_lmp"),
          ("SPP", "DA"): ("spp.da_prices", "da_lmp"), ("SPP", "RT"): ("spp.rt_prices", "rt_lmp")}


@pytest.fixture(scope="module")
def three(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("cross_iso")
    base = tmp / "data"
    land("ERCOT", generate_ercot(tmp / "ercot", **DAYS, datasets=("DA_prices", "RT_prices")), base=base)
    land("CAISO", generate_caiso(tmp / "caiso", **DAYS, datasets=("DA_prices", "RT_prices")), base=base)
    land("PJM", generate_pjm(tmp / "pjm", **DAYS, datasets=("DA_prices", "RT_prices")), base=base)
    land("MISO", generate_miso(tmp / "miso", **DAYS, datasets=("DA_prices", "RT_prices")), base=base)  # RT: weekly zips
    land("SPP", generate_spp(tmp / "spp", **DAYS), base=base)  # RT: a daily roll-up, then a day of 5-minute files
    statuses = build(base, "--select", "+cross_iso_prices")
    assert statuses["__returncode__"] == 0, statuses["__log__"][-5000:]
    return base


def test_every_stage2_row_is_in_the_view_once(three):
    counts = dict(((iso, market), n) for iso, market, n in query(three, "select iso, market, count(*) from cross_iso.prices group by all"))
    assert set(counts) == set(STAGE2)
    for (iso, market), (table, column) in STAGE2.items():
        view = query(three, """select datetime, settlement_point, price from cross_iso.prices
            where iso = ? and market = ?""", [iso, market])
        own = query(three, f"select datetime, settlement_point, {column} from {table}")
        assert sorted(view) == sorted(own) and counts[(iso, market)] == len(own) > 0
    assert query(three, "select count(*) - count(distinct (iso, market, datetime, settlement_point)) from cross_iso.prices") == [(0,)]


def test_one_query_compares_the_five_hubs_hour_by_hour(three):
    rows = query(three, """
        select datetime, iso, price from cross_iso.prices
        where market = 'DA' and settlement_point in ('HB_NORTH', 'WESTERN HUB', 'TH_SP15_GEN-APND', 'ILLINOIS.HUB',
            'SPPNORTH_HUB')
        order by datetime, iso""")
    by_hour: dict[dt.datetime, dict[str, float]] = defaultdict(dict)
    for t, iso, price in rows:
        by_hour[t][iso] = price
    # hours all three ISOs cover: the intersection of their two local operating days, from zoneinfo
    def hours(iso: str) -> set[dt.datetime]:
        tz = ZoneInfo(ZONES[iso])
        start = dt.datetime.combine(DAYS["start"], dt.time(0), tz).astimezone(UTC)
        end = dt.datetime.combine(DAYS["start"] + dt.timedelta(days=DAYS["days"]), dt.time(0), tz).astimezone(UTC)
        return {start + dt.timedelta(hours=k) for k in range(int((end - start) / dt.timedelta(hours=1)))}
    common = hours("ERCOT") & hours("CAISO") & hours("PJM") & hours("MISO") & hours("SPP")
    assert {t for t, v in by_hour.items() if len(v) == 5} == common and len(common) == 46
    # MISO's day is EST all year: on 2 November (New York still on EDT) its hour 1 starts an hour after PJM's
    first = {iso: min(t for t, v in by_hour.items() if iso in v) for iso in ("PJM", "MISO")}
    assert first["MISO"] - first["PJM"] == dt.timedelta(hours=1)
    for iso, hub in HUBS.items():
        own = dict(query(three, f"select datetime, da_lmp from {iso.lower()}.da_prices where settlement_point = ?", [hub]))
        assert {t: v[iso] for t, v in by_hour.items() if iso in v} == own


def test_grains_local_times_and_components(three):
    grains = dict(((iso, market), m)
                  for iso, market, m in query(three, "select distinct iso, market, interval_minutes from cross_iso.prices"))
    assert grains == {("ERCOT", "DA"): 60, ("ERCOT", "RT"): 5, ("CAISO", "DA"): 60, ("CAISO", "RT"): 15,
                      ("PJM", "DA"): 60, ("PJM", "RT"): 5, ("MISO", "DA"): 60, ("MISO", "RT"): 5,
                      ("SPP", "DA"): 60, ("SPP", "RT"): 5}
    for iso, tz in ZONES.items():
        sample = query(three, "select datetime, datetime_local from cross_iso.prices where iso = ? using sample 200 rows", [iso])
        assert all(local == t.astimezone(ZoneInfo(tz)).replace(tzinfo=None) for t, local in sample)
    nulls = dict(((iso, n)) for iso, n in query(three, "select iso, count(energy) from cross_iso.prices group by 1"))
    assert nulls["ERCOT"] == 0 and nulls["CAISO"] > 0 and nulls["PJM"] > 0 and nulls["MISO"] > 0 and nulls["SPP"] > 0
    bad = query(three, """select count(*) from cross_iso.prices where iso = 'PJM' and market = 'DA'
        and abs(price - (energy + congestion + loss)) > 2e-6""")
    assert bad == [(0,)]
    types = Counter(t for (t,) in query(three, "select settlement_type from cross_iso.prices"
                                               " where settlement_point in ('HB_NORTH', 'WESTERN HUB', 'TH_SP15_GEN-APND',"
                                               " 'ILLINOIS.HUB', 'SPPNORTH_HUB')"))
    assert set(types) == {"HUB"}
