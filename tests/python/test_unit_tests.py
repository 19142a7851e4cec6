"""The dbt unit tests (`unit_tests:` in models/**/_<iso>__unit_tests.yml: given rows -> expected rows) of the core
rules: the fill rule, the latest-delivery rule, the DST conversion, the PIVOT. They run here, in `make test`: on an
empty warehouse (a unit test reads only its given rows, but dbt types them from the upstream relations, so the
selection's parents are built first, with nothing landed); with each rule's macro broken in a copy of the project,
every one of them must fail; and their hand-computed expected times must agree with Python's zoneinfo."""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import subprocess
from pathlib import Path

import pytest
import yaml

from conftest import build, plant_bugs, project_copy
from ingest.catalog import timezone
from ingest.config import PROJECT_ROOT
from ingest.dbt import dbt_executable

pytestmark = pytest.mark.e2e

UTC = dt.UTC
UNIT_TEST_FILES = sorted(PROJECT_ROOT.glob("models/**/_*__unit_tests.yml"))
# one purpose-built bug per rule: (macro file, text, its broken version)
BUGS = [
    ("macros/wide/fill.sql", "< {{ max_gap }}", "<= {{ max_gap }}"),  # a run of exactly the limit is filled
    ("macros/staging/stage2.sql", "qualify rank() over (", "qualify row_number() over ("),  # one of two latest rows lost
    ("macros/time/local_to_utc.sql", "coalesce({{ is_repeated }}, false)", "not coalesce({{ is_repeated }}, false)"),
    ("macros/wide/pivot.sql", "using first({{ value_column }})", "using first(year)"),  # the wrong value in the cells
]


def declared_unit_tests() -> dict[str, dict]:
    """Every unit test of the project by name, with the ISO folder it sits in."""
    tests = {}
    for path in UNIT_TEST_FILES:
        for test in yaml.safe_load(path.read_text())["unit_tests"]:
            tests[test["name"]] = {**test, "iso": path.parent.name.upper()}
    return tests


def unit_test_statuses(target: Path) -> dict[str, str]:
    results = json.loads((target / "run_results.json").read_text())["results"]
    return {r["unique_id"].rsplit(".", 1)[-1]: r["status"] for r in results if r["unique_id"].startswith("unit_test.")}


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory) -> Path:
    """An empty data directory with the unit tests' models and their parents built (and the unit tests run)."""
    base = tmp_path_factory.mktemp("unit_tests") / "data"
    base.mkdir()
    statuses = build(base, "--select", "+test_type:unit", "--exclude-resource-type", "test")
    assert statuses["__returncode__"] == 0, statuses["__log__"][-5000:]
    return base


def test_every_unit_test_passes(warehouse):
    declared = declared_unit_tests()
    assert len(declared) >= 5
    ran = unit_test_statuses(warehouse / "dbt_target")
    assert set(ran) == set(declared), "a unit test was not run (or runs that no YAML declares)"
    assert all(status == "pass" for status in ran.values()), ran
    tested = {t["model"] for t in declared.values()}
    assert {"int_pjm__rt_prices_gaps", "pjm_da_prices", "stg_ercot__dam_spp", "pjm_flat_da_prices"} <= tested


def test_every_unit_test_fails_when_its_rule_is_broken(warehouse, tmp_path):
    project = project_copy(tmp_path)
    plant_bugs(project, BUGS)
    env = {**os.environ, "ISO_DATA_DIR": str(warehouse), "DBT_TARGET_PATH": str(tmp_path / "target"),
           "DBT_LOG_PATH": str(tmp_path / "logs")}
    proc = subprocess.run([dbt_executable(), "--no-use-colors", "test", "--select", "test_type:unit",
                           "--project-dir", str(project), "--profiles-dir", str(project)],
                          cwd=project, env=env, capture_output=True, text=True)
    assert proc.returncode == 1, proc.stdout[-3000:]
    statuses = unit_test_statuses(tmp_path / "target")
    # `fail` (the rows differ), not `error`: each broken macro still compiles and runs
    assert statuses == {name: "fail" for name in declared_unit_tests()}, statuses


def expected_times(test: dict) -> list[dict]:
    return [r for r in test["expect"]["rows"] if "datetime" in r]


def utc(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text).astimezone(UTC)


@pytest.mark.parametrize("name", sorted(declared_unit_tests()))
def test_expected_local_times_agree_with_zoneinfo(name):
    """Every expected row with a UTC interval start and a local one: the local one is the UTC one in the ISO's
    time zone (seeds/isos.csv)."""
    test = declared_unit_tests()[name]
    tz = timezone(test["iso"])
    for row in expected_times(test):
        if "datetime_local" in row:
            local = utc(row["datetime"]).astimezone(tz).replace(tzinfo=None)
            assert local == dt.datetime.fromisoformat(row["datetime_local"]), row


def test_the_dst_unit_test_agrees_with_zoneinfo():
    """ERCOT's (DeliveryDate, HourEnding, DSTFlag) of each given row -> the expected UTC start, computed here by
    zoneinfo (DSTFlag Y = the second of two equal wall-clock times, fold=1); and the days it covers are both 2024
    DST days and a 2025 one."""
    test = declared_unit_tests()["dst_hour_ending_to_utc_on_both_dst_days"]
    given = next(g for g in test["given"] if "np4_190_cd" in g["input"])
    rows = re.findall(r"\('(\d{4}-\d\d-\d\d)', '(\d\d):00', ([\d.]+), '([YN])'", given["rows"])
    by_price = {float(price): (dt.date.fromisoformat(day), int(he), flag == "Y") for day, he, price, flag in rows}
    expected = {r["da_lmp"]: r for r in test["expect"]["rows"]}
    assert set(expected) == set(by_price) and len(rows) == len(by_price)
    chicago = timezone("ERCOT")
    for price, (day, hour_ending, repeated) in by_price.items():
        local = dt.datetime.combine(day, dt.time()) + dt.timedelta(hours=hour_ending - 1)
        start = local.replace(tzinfo=chicago, fold=int(repeated)).astimezone(UTC)
        row = expected[price]
        assert utc(row["datetime"]) == start, (day, hour_ending, repeated, row)
        assert utc(row["interval_end"]) == start + dt.timedelta(hours=1)
        assert dt.datetime.fromisoformat(row["datetime_local"]) == local
        assert row["hour_ending"] == hour_ending
    days = {day for day, _, _ in by_price.values()}
    assert {dt.date(2024, 3, 10), dt.date(2024, 11, 3)} <= days and any(d.year == 2025 for d in days)
    # the fall-back day's repeated hour in both versions, and the spring-forward day without hour ending 03:00
    assert {(dt.date(2024, 11, 3), 2, False), (dt.date(2024, 11, 3), 2, True)} <= set(by_price.values())
    assert not any(day == dt.date(2024, 3, 10) and he == 3 for day, he, _ in by_price.values())
