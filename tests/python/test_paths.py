"""One way paths resolve (issue 19): plain `dbt`, `dbt --project-dir` from elsewhere and `iso-pipeline` use the same
warehouse, every view holds absolute paths (readable from any directory), and switching between `dbt` and
`iso-pipeline dbt` keeps dbt's partial parse (the rendered profile is the same). Real dbt, temporary data folders."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from conftest import project_copy
from ingest.config import PROJECT_ROOT
from ingest.dbt import dbt_executable
from ingest.landing import land
from ingest.sample.pjm import generate_pjm

UNABLE = "Unable to do partial parsing"
#: what these tests check is when dbt itself keeps its partial parse
pytestmark = pytest.mark.usefixtures("real_parse")


def plain_env(tmp: Path, data: str | None, **extra: str) -> dict[str, str]:
    """The environment of a user's shell: no DBT_PROJECT_DIR / DBT_PROFILES_DIR, ISO_DATA_DIR as given (or unset),
    dbt's target and logs in `tmp`."""
    env = {k: v for k, v in os.environ.items() if k not in ("DBT_PROJECT_DIR", "DBT_PROFILES_DIR", "ISO_DATA_DIR")}
    if data is not None:
        env["ISO_DATA_DIR"] = data
    return {**env, "DBT_TARGET_PATH": str(tmp / "target"), "DBT_LOG_PATH": str(tmp / "logs"), **extra}


def plain_dbt(args: list[str], cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run([dbt_executable(), *args], cwd=cwd, env=env, capture_output=True, text=True)


def land_pjm(base: Path, raw: Path) -> None:
    generate_pjm(raw, days=2)
    land("PJM", [raw], base=base)


def view_paths(warehouse: Path) -> list[str]:
    """Every file path (a quoted literal naming an ISO's folder) in the SQL of the warehouse's views."""
    with duckdb.connect(str(warehouse), read_only=True) as con:
        sqls = [r[0] for r in con.execute("select sql from duckdb_views() where not internal").fetchall()]
    return [p for sql in sqls for p in re.findall(r"'([^']*_data/[^']*)'", sql)]


def count_elsewhere(warehouse: Path, sql: str, cwd: Path) -> int:
    """`sql`'s single number, queried by a fresh process whose working directory is `cwd`."""
    code = f"import duckdb; print(duckdb.connect({str(warehouse)!r}, read_only=True).execute({sql!r}).fetchone()[0])"
    proc = subprocess.run([sys.executable, "-c", code], cwd=cwd, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr[-2000:]
    return int(proc.stdout.strip())


@pytest.fixture(scope="module")
def relative_build(tmp_path_factory) -> tuple[Path, str, Path]:
    """PJM (2 days) built by a plain `dbt build` run in the project root, ISO_DATA_DIR relative (to the project):
    (data dir, the relative ISO_DATA_DIR, a scratch folder)."""
    tmp = tmp_path_factory.mktemp("relative")
    base = tmp / "data"
    land_pjm(base, tmp / "raw")
    relative = os.path.relpath(base, PROJECT_ROOT)
    assert not Path(relative).is_absolute()
    proc = plain_dbt(["build", "--select", "+cross_iso_prices", "tag:pjm"], PROJECT_ROOT, plain_env(tmp, relative))
    assert proc.returncode == 0, proc.stdout[-5000:] + proc.stderr[-2000:]
    return base, relative, tmp


def test_plain_dbt_with_relative_data_dir_writes_absolute_paths(relative_build):
    base, relative, tmp = relative_build
    paths = view_paths(base / "warehouse.duckdb")
    # absolute ('/work/main/../../tmp/...': dbt's Jinja cannot normalise), in the data dir whatever the cwd
    assert paths and all(os.path.normpath(p).startswith(str(base) + "/") for p in paths), paths[:5]
    elsewhere = tmp / "elsewhere"
    elsewhere.mkdir(exist_ok=True)
    assert count_elsewhere(base / "warehouse.duckdb", "select count(*) from cross_iso.prices", elsewhere) > 0
    assert count_elsewhere(base / "warehouse.duckdb", "select count(*) from pjm.stg_pjm__da_hrl_lmps", elsewhere) > 0


def test_status_from_another_directory(relative_build):
    base, relative, tmp = relative_build
    elsewhere = tmp / "elsewhere"
    elsewhere.mkdir(exist_ok=True)
    env = {**os.environ, "ISO_DATA_DIR": relative}  # the same relative value: the project's, not the cwd's
    proc = subprocess.run([sys.executable, "-m", "ingest.cli", "status"], cwd=elsewhere, env=env,
                          capture_output=True, text=True)
    assert "Traceback" not in proc.stderr, proc.stderr[-3000:]
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
    assert f"data: {base}" in proc.stdout and "PJM" in proc.stdout


def test_dbt_project_dir_from_elsewhere_uses_the_same_warehouse(relative_build):
    base, relative, tmp = relative_build
    elsewhere = tmp / "elsewhere"
    elsewhere.mkdir(exist_ok=True)
    n = count_elsewhere(base / "warehouse.duckdb", "select count(*) from cross_iso.prices", elsewhere)
    proc = plain_dbt(["show", "--project-dir", str(PROJECT_ROOT), "--profiles-dir", str(PROJECT_ROOT),
                      "--inline", "select count(*) as n from cross_iso.prices"],
                     elsewhere, plain_env(tmp / "show", relative))
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-2000:]
    assert re.search(rf"\|\s*{n}\s*\|", proc.stdout), proc.stdout[-2000:]
    assert not list(elsewhere.rglob("*.duckdb"))


def test_plain_dbt_with_data_dir_unset_uses_the_projects_data(tmp_path):
    """ISO_DATA_DIR unset: the project's data/ (here a copy of the project, not to touch the developer's data)."""
    project = project_copy(tmp_path)
    base = project / "data"
    land_pjm(base, tmp_path / "raw")
    proc = plain_dbt(["build", "--select", "tag:pjm"], project, plain_env(tmp_path, None))
    assert proc.returncode == 0, proc.stdout[-5000:] + proc.stderr[-2000:]
    paths = view_paths(base / "warehouse.duckdb")
    assert paths and all(os.path.normpath(p).startswith(str(base.resolve()) + "/") for p in paths), paths[:5]
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    assert count_elsewhere(base / "warehouse.duckdb", "select count(*) from pjm.da_prices", elsewhere) > 0
    assert count_elsewhere(base / "warehouse.duckdb", "select count(*) from pjm.stg_pjm__rt_hrl_lmps", elsewhere) > 0


@pytest.mark.parametrize("data", ["relative", "unset"])
def test_switching_between_dbt_and_iso_pipeline_keeps_partial_parsing(tmp_path, data):
    # unset: `iso-pipeline dbt parse` works on the project's data/ (parse opens no warehouse; it only makes sure
    # the folder exists, as any iso-pipeline dbt command does)
    value = os.path.relpath(tmp_path / "data", PROJECT_ROOT) if data == "relative" else None
    (tmp_path / "data").mkdir()
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()

    def logged(i: int, tool: str) -> str:
        env = plain_env(tmp_path, value, DBT_LOG_PATH=str(tmp_path / f"logs{i}"))
        if tool == "dbt":
            proc = plain_dbt(["parse"], PROJECT_ROOT, env)
        else:
            proc = subprocess.run([sys.executable, "-m", "ingest.cli", "dbt", "parse"], cwd=elsewhere, env=env,
                                  capture_output=True, text=True)
        assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-2000:]
        return proc.stdout + (tmp_path / f"logs{i}" / "dbt.log").read_text()

    first = logged(0, "dbt")
    assert "saved manifest not found" in first  # a full parse, into this test's target path
    for i, tool in enumerate(["iso-pipeline", "dbt", "iso-pipeline"], start=1):
        log = logged(i, tool)
        assert UNABLE not in log, (tool, [line for line in log.splitlines() if UNABLE in line])
        assert "Partial parsing enabled" in log, (tool, log[-2000:])
