"""`iso-pipeline build ISO`: skipped when nothing it reads changed, and never when something did."""

from __future__ import annotations

import datetime as dt
import os
import shutil
import subprocess
import sys
from pathlib import Path

from conftest import query
from ingest.config import PROJECT_ROOT
from ingest.landing import land
from ingest.sample.ercot import generate_ercot
from ingest.update import PROJECT_PARTS, project_fingerprint

SKIPPED = "nothing changed since the last build"


def cli(base: Path, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "ISO_DATA_DIR": str(base), "DBT_TARGET_PATH": str(base / "dbt_target"),
           "DBT_LOG_PATH": str(base / "dbt_logs")}
    env.pop("DBT_TARGET", None)
    return subprocess.run([sys.executable, "-m", "ingest.cli", *args], capture_output=True, text=True, env=env)


def stage2_days(base: Path) -> list[str]:
    files = sorted((base / "ERCOT_data/rollup_files/RT_SPP").glob("year=*/*.parquet"))
    return [f.name for f in files]


def test_a_build_with_nothing_changed_is_skipped_and_anything_changed_builds(base, tmp_path):
    day = lambda d: generate_ercot(tmp_path / "raw" / d.isoformat(), start=d, days=1,  # noqa: E731
                                   datasets=("RT_SPP",), n_nodes=3)
    land("ERCOT", day(dt.date(2024, 11, 4)), base=base)

    first = cli(base, "build", "ercot")
    assert first.returncode == 0, first.stdout[-3000:] + first.stderr[-3000:]
    assert SKIPPED not in first.stdout and "Done. PASS=" in first.stdout
    assert stage2_days(base) == ["data_20241104.parquet"]
    assert (base / "ERCOT_data/last_build.json").exists()

    again = cli(base, "build", "ercot")  # nothing landed, nothing changed: dbt does not start
    assert again.returncode == 0 and SKIPPED in again.stdout and "Done. PASS=" not in again.stdout, again.stdout

    # a new day landed: built, and the day is in Stage 2
    land("ERCOT", day(dt.date(2024, 11, 5)), base=base)
    landed = cli(base, "build", "ercot")
    assert landed.returncode == 0 and SKIPPED not in landed.stdout, landed.stdout[-3000:]
    assert stage2_days(base) == ["data_20241104.parquet", "data_20241105.parquet"]
    assert cli(base, "build", "ercot").stdout.count(SKIPPED) == 1

    # an output deleted by hand: built again (as a plain dbt build would), and the file is back
    (base / "ERCOT_data/rollup_files/RT_SPP/year=2024/data_20241104.parquet").unlink()
    restored = cli(base, "build", "ercot")
    assert restored.returncode == 0 and SKIPPED not in restored.stdout, restored.stdout[-3000:]
    assert stage2_days(base) == ["data_20241104.parquet", "data_20241105.parquet"]

    # another dbt run of the ISO since (here a plain dbt test): this command cannot know what it changed, so it builds
    other = cli(base, "dbt", "test", "--select", "tag:ercot")
    assert other.returncode == 0, other.stdout[-3000:]
    rebuilt = cli(base, "build", "ercot")
    assert rebuilt.returncode == 0 and SKIPPED not in rebuilt.stdout, rebuilt.stdout[-3000:]

    # four builds in all: the skipped calls ran none
    assert query(base, "select count(*) from monitoring.runs where command = 'build'")[0][0] == 4


def test_the_project_fingerprint_sees_any_project_file_change(tmp_path):
    copy = tmp_path / "project"
    for part in PROJECT_PARTS:
        src = PROJECT_ROOT / part
        if src.is_dir():
            shutil.copytree(src, copy / part, ignore=shutil.ignore_patterns("__pycache__"))
        elif src.exists():
            copy.mkdir(exist_ok=True)
            shutil.copy2(src, copy / part)
    same = project_fingerprint(copy)
    assert same == project_fingerprint(PROJECT_ROOT)
    for changed in ("macros/time/local_to_utc.sql", "seeds/price_bounds.csv", "dbt_project.yml",
                    "ingest/dbt_plugin.py"):
        path = copy / changed
        original = path.read_bytes()
        path.write_bytes(original + b"\n")
        assert project_fingerprint(copy) != same, changed
        path.write_bytes(original)
    (copy / "models" / "my_model.sql").write_text("select 1")  # a user's new model
    assert project_fingerprint(copy) != same
