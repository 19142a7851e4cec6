"""Lint, as part of `make test`: ruff for the Python (config: pyproject.toml [tool.ruff]) and sqlfluff with the dbt
templater for the SQL of models/ and tests/ (config: .sqlfluff, .sqlfluffignore). Each linter is also shown to fail on
a purpose-built bad input, so a clean result means the rules ran.

The dbt templater compiles every model the way `dbt compile` does, and our macros query the warehouse while compiling
(the registry seeds, landing.landed_files, Stage 2 relations for the wide tables' columns): the SQL lint runs against
a warehouse built from one generated day of each ISO in a temporary data directory."""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conftest import build
from ingest.config import PROJECT_ROOT
from ingest.landing import land
from ingest.sample import generate_caiso, generate_ercot, generate_pjm

BIN = Path(sys.executable).parent
RUFF = BIN / "ruff"
SQLFLUFF = BIN / "sqlfluff"
ONE_DAY = dict(start=dt.date(2024, 11, 3), days=1)  # the fall-back day: the widest compile-time paths


def run(cmd: list, cwd: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([str(c) for c in cmd], cwd=cwd, capture_output=True, text=True, check=False,
                          env={**os.environ, **(env or {})})


def sqlfluff_lint(paths: list[str], cwd: Path, base: Path, work: Path) -> tuple[subprocess.CompletedProcess, list]:
    """`sqlfluff lint --format json` on data directory `base` (dbt's target and logs under `work`): the process and
    its per-file results."""
    proc = run([SQLFLUFF, "lint", *paths, "--format", "json", "--processes", "2", "--nocolor"], cwd,
               env={"ISO_DATA_DIR": str(base), "DBT_TARGET_PATH": str(work / "target"),
                    "DBT_LOG_PATH": str(work / "logs")})
    try:
        results = json.loads(proc.stdout)
    except json.JSONDecodeError:
        pytest.fail(f"sqlfluff printed no JSON (exit {proc.returncode}):\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}")
    return proc, results


def violations(results: list) -> list[str]:
    return [f"{f['filepath']}:{v['start_line_no']}:{v['start_line_pos']}: {v['code']} {v['description']}"
            for f in results for v in f["violations"]]


# --- Python ---------------------------------------------------------------------------------------------------------

def test_python_lint_is_clean():
    proc = run([RUFF, "check", "--no-cache", "--output-format", "concise", "."], PROJECT_ROOT)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_ruff_fails_on_a_bad_file(tmp_path):
    bad = tmp_path / "bad.py"
    bad.write_text("import sys\nimport os\n\n\ndef f(x=[]):\n    return x\n")
    proc = run([RUFF, "check", "--no-cache", "--output-format", "concise",
                "--config", PROJECT_ROOT / "pyproject.toml", bad], tmp_path)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    for code in ("I001", "F401", "B006"):  # unsorted imports, an unused one, a mutable default
        assert code in proc.stdout, (code, proc.stdout)


# --- SQL ------------------------------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def warehouse(tmp_path_factory) -> Path:
    """Every model built once (tests left out: only compiling matters here) from one day of each ISO's sample."""
    tmp = tmp_path_factory.mktemp("lint")
    base = tmp / "data"
    land("ERCOT", generate_ercot(tmp / "ercot", **ONE_DAY), base=base)
    land("CAISO", generate_caiso(tmp / "caiso", **ONE_DAY), base=base)
    land("PJM", generate_pjm(tmp / "pjm", **ONE_DAY), base=base)
    statuses = build(base, "--exclude-resource-type", "test", "--exclude-resource-type", "unit_test")
    assert statuses["__returncode__"] == 0, statuses["__log__"][-5000:]
    return base


@pytest.mark.e2e
def test_sql_lint_is_clean(warehouse, tmp_path):
    started = time.monotonic()
    proc, results = sqlfluff_lint(["models", "tests"], PROJECT_ROOT, warehouse, tmp_path)
    print(f"sqlfluff lint models tests: {time.monotonic() - started:.0f} s for {len(results)} files")
    assert violations(results) == [], "\n".join(violations(results))
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    # every model was compiled and linted: a skipped file (sqlfluff only warns) would pass unlinted
    linted = {Path(f["filepath"]).as_posix() for f in results}
    models = {p.relative_to(PROJECT_ROOT).as_posix() for p in (PROJECT_ROOT / "models").rglob("*.sql")}
    assert models - linted == set()


@pytest.mark.e2e
def test_sqlfluff_fails_on_a_bad_model(tmp_path):
    """The project's .sqlfluff, as is, on a tiny dbt project of its own: a model with upper-case keywords, leading
    commas and a 130-character line fails; its well-written twin passes."""
    project = tmp_path / "probe"
    (project / "models").mkdir(parents=True)
    shutil.copy(PROJECT_ROOT / ".sqlfluff", project / ".sqlfluff")
    (project / "dbt_project.yml").write_text("name: probe\nversion: '1.0'\nconfig-version: 2\nprofile: iso_pipeline\n")
    (project / "profiles.yml").write_text(
        "iso_pipeline:\n  target: dev\n  outputs:\n    dev:\n      type: duckdb\n"
        "      path: \"{{ env_var('ISO_DATA_DIR') }}/probe.duckdb\"\n")
    (project / "models" / "upstream.sql").write_text("select 1 as a, 2 as b\n")
    long_name = "a_column_name_long_enough_to_push_this_select_line_well_past_the_limit_of_one_hundred_and_twenty_characters"
    (project / "models" / "good.sql").write_text(
        "select\n    a,\n    b\nfrom {{ ref('upstream') }}\nwhere a = 1\n")
    (project / "models" / "bad.sql").write_text(
        f"SELECT\n    a\n    , b\n    , a + b AS {long_name}\nFROM {{{{ ref('upstream') }}}}\nWHERE a = 1\n")
    proc, results = sqlfluff_lint(["models"], project, tmp_path, tmp_path)
    by_file = {Path(f["filepath"]).name: {v["code"] for v in f["violations"]} for f in results}
    assert proc.returncode == 1, proc.stdout[-3000:] + proc.stderr[-3000:]
    assert by_file["good.sql"] == set(), by_file
    assert {"CP01", "LT04", "LT05"} <= by_file["bad.sql"], by_file
