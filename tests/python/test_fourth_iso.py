"""Adding a fourth ISO is registry rows and a staging folder: `iso-pipeline scaffold` writes the rest.

A copy of the project gets a made-up ISO, FAKE (America/Denver, local times with a repeated-hour flag), from exactly
what a contributor writes: rows appended to the seeds (seeds/isos.csv, seeds/datasets.csv, the report table, the
settlement point rules, AS products, price bounds) and one staging folder (fixtures/fake_iso). Then
`iso-pipeline scaffold fake --project-dir <copy>` writes every other model, its tests and the dbt_project.yml lines;
the copy's macros/ and tests/generic/ are asserted byte-identical to the project's, and nothing else of the copy
differs from the project except the FAKE files. Then `dbt build --select tag:fake` must pass every data test, and
the outputs are checked here against the raw files (zoneinfo for the DST day).
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import json
import math
import os
import shutil
import subprocess
import sys
from collections import Counter, defaultdict
from pathlib import Path
from zoneinfo import ZoneInfo

import duckdb
import pytest

from conftest import project_copy
from ingest.config import PROJECT_ROOT, IsoPaths
from ingest.dbt import dbt_executable
from ingest.registry import Registry, write_schema_registry
from ingest.textfile import normalise

FIXTURE = Path(__file__).parent / "fixtures" / "fake_iso"
MT = ZoneInfo("America/Denver")
UTC = dt.UTC
DAYS = (dt.date(2024, 11, 2), dt.date(2024, 11, 3))  # 2024-11-03: fall-back day in Denver (25 hours)
POINTS = (("FK_HUB", "HUB"), ("FK_ZONE_N", "LOADZONE"), ("FK_BUS_7", "BUS"))
REGIONS, PRODUCTS = ("SYSTEM", "NORTH"), ("REGULATION", "SPIN")


def digest(folder: Path) -> dict[str, str]:
    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def make_project(root: Path) -> tuple[Path, subprocess.CompletedProcess]:
    """A copy of the project with FAKE added the way a contributor adds an ISO: registry rows, a staging folder,
    then `iso-pipeline scaffold`."""
    project = project_copy(root)
    # 1. registry rows
    for rows in sorted((FIXTURE / "seeds").glob("*.csv")):
        target = project / "seeds" / rows.name
        header, *body = rows.read_text().splitlines()
        assert target.read_text().splitlines()[0] == header
        with target.open("a") as fh:
            fh.write("".join(line + "\n" for line in body))
    # 2. one staging folder
    shutil.copytree(FIXTURE / "staging", project / "models" / "staging" / "fake")
    # 3. the rest: scaffold
    proc = subprocess.run([sys.executable, "-m", "ingest.cli", "scaffold", "fake", "--project-dir", str(project)],
                          capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return project, proc


# ------------------------------------------------------------------------------------------------ raw files

def fake_price(t: dt.datetime, point: int, market: str) -> float:
    h = t.astimezone(MT).hour
    base = 30.0 + 8.0 * math.sin(h / 24 * 2 * math.pi) + 2.5 * point
    wiggle = ((int(t.timestamp()) // 300) * 7919 + point * 104729 + (0 if market == "da" else 31)) % 1000 / 100.0
    return round(base + wiggle - 5.0, 2)


def local_steps(day: dt.date, minutes: int):
    t = dt.datetime.combine(day, dt.time(0), MT).astimezone(UTC)
    end = dt.datetime.combine(day + dt.timedelta(days=1), dt.time(0), MT).astimezone(UTC)
    while t < end:
        local = t.astimezone(MT)
        yield t, local, "Y" if local.fold else "N"
        t += dt.timedelta(minutes=minutes)


def write_raw(folder: Path) -> dict[str, list[Path]]:
    folder.mkdir(parents=True)
    out: dict[str, list[Path]] = defaultdict(list)
    headers = {r["format"]: r["header"] for r in csv.DictReader((FIXTURE / "seeds" / "iso_reports.csv").open())}
    for day in DAYS:
        files = {fmt: [headers[fmt]] for fmt in headers}
        for t, local, flag in local_steps(day, 60):
            he = local.hour + 1
            for i, (p, kind) in enumerate(POINTS):
                da = fake_price(t, i, "da")
                energy, cong = 30.0, round(da - 30.0 - 0.25, 2)
                files["fake_da"].append(f"{day.isoformat()},{he},{flag},{p},{kind},{da:.2f},{energy:.2f},{cong:.2f},0.25")
                fives = [fake_price(t + dt.timedelta(minutes=5 * k), i, "rt") for k in range(12)]
                files["fake_rth"].append(f"{day.isoformat()},{he},{flag},{p},{kind},{sum(fives) / 12:.4f}")
            for r, region in enumerate(REGIONS):
                for q, product in enumerate(PRODUCTS):
                    files["fake_as"].append(f"{day.isoformat()},{he},{flag},{region},{product},{2.0 + r + q + he / 10:.2f}")
        for t, local, flag in local_steps(day, 5):
            for i, (p, kind) in enumerate(POINTS):
                files["fake_rt5"].append(f"{local:%Y-%m-%d %H:%M:%S},{flag},{p},{kind},{fake_price(t, i, 'rt'):.2f}")
        for fmt, lines in files.items():
            path = folder / f"{fmt}_{day:%Y%m%d}.csv"
            path.write_text("\n".join(lines) + "\n")
            out[fmt].append(path)
    return out


def land_fake(base: Path, raw: dict[str, list[Path]]) -> None:
    """Land through the project's own registry (ingest.registry): the CLI's ISO list is Python (ingest/config.py)."""
    datasets = {r["format"]: r["dataset"] for r in csv.DictReader((FIXTURE / "seeds" / "iso_reports.csv").open())}
    paths = IsoPaths("FAKE", base / "FAKE_data")
    registry = Registry(paths)
    now = dt.datetime.now(UTC).isoformat()
    for fmt, files in raw.items():
        for f in files:
            landed = normalise(f.read_bytes())
            target = paths.csv_files / datasets[fmt] / fmt / f.name
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(landed.data)
            registry.add({"iso": "FAKE", "dataset": datasets[fmt], "format": fmt,
                          "path": target.relative_to(paths.root).as_posix(), "file_name": f.name, "source": str(f),
                          "archive_chain": [f.name], "sha256": hashlib.sha256(landed.data).hexdigest(),
                          "bytes": len(landed.data), "rows": landed.rows, "encoding": landed.encoding,
                          "header": ",".join(landed.header), "downloaded_at": None, "landed_at": now})
    registry.flush()
    write_schema_registry(paths)


@pytest.fixture(scope="module")
def fake(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("fake_iso")
    project, scaffolded = make_project(tmp)
    raw = write_raw(tmp / "raw")
    base = tmp / "data"
    land_fake(base, raw)
    env = {**os.environ, "ISO_DATA_DIR": str(base), "DBT_TARGET_PATH": str(tmp / "target"), "DBT_LOG_PATH": str(tmp / "logs")}
    proc = subprocess.run([dbt_executable(), "build", "--select", "tag:fake", "--project-dir", str(project),
                           "--profiles-dir", str(project)], cwd=project, env=env, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout[-6000:]
    results = json.loads((tmp / "target" / "run_results.json").read_text())["results"]
    return {"project": project, "raw": raw, "base": base, "results": results, "scaffold": scaffolded.stdout}


def select(base: Path, sql: str) -> list[tuple]:
    con = duckdb.connect()
    con.execute("set TimeZone = 'UTC'")
    return con.execute(sql.replace("{root}", str(base / "FAKE_data" / "rollup_files"))).fetchall()


def parquet(path: str) -> str:
    return f"read_parquet('{{root}}/{path}/**/*.parquet', hive_partitioning = true)"


def test_only_registry_rows_a_staging_folder_and_scaffold_output(fake):
    project = fake["project"]
    assert digest(project / "macros") == digest(PROJECT_ROOT / "macros")
    assert digest(project / "tests" / "generic") == digest(PROJECT_ROOT / "tests" / "generic")
    # every other model of the project is untouched; FAKE's are its staging folder and what scaffold wrote
    ours, theirs = digest(PROJECT_ROOT / "models"), digest(project / "models")
    assert {k: v for k, v in theirs.items() if "/fake/" not in k} == ours
    written = {line.split()[-1] for line in fake["scaffold"].splitlines() if line.startswith("written")}
    staging = {f"models/staging/fake/{p.name}" for p in (FIXTURE / "staging").iterdir()}
    assert {f"models/{k}" for k in theirs if "/fake/" in k} == (written - {"dbt_project.yml"}) | staging
    assert {"models/rollup/fake/fake_da_prices.sql", "models/intermediate/fake/int_fake__da_prices.sql",
            "models/combined/fake/fake_all_markets.sql", "dbt_project.yml"} <= written | {"dbt_project.yml"}
    assert "updated   dbt_project.yml" in fake["scaffold"]
    rollup = (project / "models/rollup/fake/fake_da_prices.sql").read_text()
    assert "stage2_latest(ref('int_fake__da_prices')" in rollup


def test_dbt_builds_fake_and_every_data_test_passes(fake):
    statuses = Counter(r["status"] for r in fake["results"])
    tests = [r for r in fake["results"] if r["unique_id"].startswith("test.")]
    assert len(tests) > 65 and {r["status"] for r in tests} == {"pass"}, statuses
    # every Stage 2, 3 and 4 model of the new ISO has its grain tested (present and unique)
    grains = {r["unique_id"].split(".")[2] for r in tests if r["unique_id"].split(".")[2].startswith("unique_grain_fake_")}
    built_stages = {r["unique_id"].split(".")[-1] for r in fake["results"] if r["unique_id"].startswith("model.")
                    and r["unique_id"].split(".")[-1].startswith("fake_") and not r["unique_id"].endswith(("_fill_stats", "_full_dataset"))
                    and "monthly" not in r["unique_id"]}
    assert {"fake_da_prices", "fake_flat_rt_prices", "fake_da_as_rt_native", "fake_all_markets"} <= built_stages
    assert all(any(g.startswith(f"unique_grain_{m}_") for g in grains) for m in built_stages), (built_stages, grains)
    built = {r["unique_id"].split(".")[-1] for r in fake["results"] if r["unique_id"].startswith("model.")}
    assert {"fake_da_prices", "fake_flat_rt_prices", "fake_da_as_rt_native", "fake_all_markets", "fake_full_dataset"} <= built
    root = fake["base"] / "FAKE_data" / "rollup_files"
    assert (root / "combined/analysis_ready/FULL_DATASET.parquet").exists()
    assert sorted(p.name for p in (root / "DA_prices/year=2024").iterdir())[0].startswith("data_2024")


def test_fall_back_day_in_utc_and_every_row_once(fake):
    expected = {}
    for path in fake["raw"]["fake_da"]:
        for r in csv.DictReader(path.open()):
            local = dt.datetime.fromisoformat(r["OperatingDate"]) + dt.timedelta(hours=int(r["HourEnding"]) - 1)
            utc = local.replace(tzinfo=MT, fold=1 if r["RepeatedHour"] == "Y" else 0).astimezone(UTC)
            expected[(utc, r["Location"])] = (float(r["Price"]), local)
    got = select(fake["base"], f"select datetime, settlement_point, da_lmp, datetime_local from {parquet('DA_prices')}")
    assert {(t, p): (v, local) for t, p, v, local in got} == expected and len(got) == len(expected)
    hub = sorted(t for t, p, *_ in got if p == "FK_HUB")
    assert len(hub) == 24 + 25 and all(b - a == dt.timedelta(hours=1) for a, b in zip(hub, hub[1:]))
    rt = sorted(t for (t,) in select(fake["base"], f"select datetime from {parquet('RT_prices')} where settlement_point = 'FK_HUB'"))
    assert len(rt) == (24 + 25) * 12 and all(b - a == dt.timedelta(minutes=5) for a, b in zip(rt, rt[1:]))
    types = dict(select(fake["base"], f"select distinct settlement_point, settlement_type from {parquet('DA_prices')}"))
    assert types == {"FK_HUB": "HUB", "FK_ZONE_N": "ZONE", "FK_BUS_7": "NODE"}


def test_wide_and_combined_outputs(fake):
    names = [r[0] for r in select(fake["base"], f"describe select * from {parquet('combined/yearly/DA_AS_RT_native')}")]
    rows = [dict(zip(names, r)) for r in select(fake["base"], f"select * from {parquet('combined/yearly/DA_AS_RT_native')}")]
    assert "DA_FK_HUB" in names and "RT_FK_ZONE_N" in names and "RT_FK_BUS_7" not in names
    assert {"AS_REG_SYSTEM", "AS_SYNC_RESERVE_NORTH"} <= set(names)
    assert set(Counter(r["datetime"].replace(minute=0) for r in rows).values()) == {12}
    da = dict(select(fake["base"], f"select datetime, da_lmp from {parquet('DA_prices')} where settlement_point = 'FK_HUB'"))
    assert all(r["DA_FK_HUB"] == da[r["datetime"].replace(minute=0)] for r in rows)
    hourly = select(fake["base"], f"""select datetime, "RT_AVG_FK_HUB", "RT_HOURLY_FK_HUB" from {parquet('combined/yearly/ALL_markets')}""")
    assert len(hourly) == 49 and all(abs(avg - published) < 1e-4 for _, avg, published in hourly)
