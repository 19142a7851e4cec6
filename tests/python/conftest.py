"""Shared fixtures: the generated ERCOT sample, landed and built once per session, on a real DuckDB."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import duckdb
import pytest

from ingest.config import PROJECT_ROOT, IsoPaths
from ingest.dbt import run_dbt
from ingest.landing import land
from ingest.sample.ercot import generate_ercot

FIXTURES = Path(__file__).parent / "fixtures"
REAL = FIXTURES / "real_samples"
#: sitecustomize.py for the dbt processes of a test run: a dbt that would parse the whole project again only because
#: it runs on another data directory starts from this worker's parse of the project (~20 s saved per data directory)
PARSE_SEED = Path(__file__).parent / "parse_seed"
SEED_ENV = "ISO_PIPELINE_TEST_PARSE_SEED"

#: The slowest test files, collected first (seconds of their slowest tests in a fresh-clone `make test` on a slow 2-core
#: VM, 2026-12-07, 70 min in all: Spark parity ~1,470, test_stage2 ~780+, test_build_crash ~620+, the README's
#: commands 631 in one test, test_unchanged_inputs ~520, lint ~390, test_paths ~310, the NYISO pipeline's fixture 211):
#: `make test` hands files to its two processes in collection order (`--no-loadscope-reorder`: pytest-xdist's default
#: starts the files with the most tests first, which put Spark's few, long tests last, to run alone at the end).
SLOWEST_FIRST = ("test_spark_parity.py", "test_stage2.py", "test_build_crash.py", "test_documented_commands.py",
                 "test_unchanged_inputs.py", "test_lint.py", "test_paths.py", "test_local_order_pipeline.py")


def pytest_collection_modifyitems(session, config, items) -> None:
    """The SLOWEST_FIRST files first (a stable sort: each file's tests keep their order)."""
    rank = {name: i for i, name in enumerate(SLOWEST_FIRST)}
    items.sort(key=lambda item: rank.get(item.path.name, len(rank)))


def project_copy(root: Path, folders: tuple[str, ...] = ("macros", "models", "seeds", "tests/generic", "docs")) -> Path:
    """A copy of the dbt project under `root`/project (dbt_project.yml, profiles.yml and `folders`), to change."""
    project = root / "project"
    project.mkdir()
    for name in ("dbt_project.yml", "profiles.yml"):
        shutil.copy(PROJECT_ROOT / name, project / name)
    for folder in folders:
        shutil.copytree(PROJECT_ROOT / folder, project / folder)
    return project


def plant_bugs(project: Path, bugs: list[tuple[str, str, str]]) -> None:
    """Break the project copy `project` on purpose: in each (file, text, broken), `text` replaced by `broken` (the
    text must still be there: a test planting a bug that no longer applies would prove nothing)."""
    for file, text, broken in bugs:
        path = project / file
        source = path.read_text()
        assert text in source, f"{file} no longer contains {text!r}: update the bug this test plants"
        path.write_text(source.replace(text, broken))


def build(base: Path, *args: str) -> dict:
    """`dbt build` on data dir `base`; returns {node name: status} from run_results.json (asserts dbt ran)."""
    target = base / "dbt_target"
    proc = run_dbt(["build", *args], base=base, capture=True,
                   env={"DBT_TARGET_PATH": str(target), "DBT_LOG_PATH": str(base / "dbt_logs")})
    results_file = target / "run_results.json"
    assert results_file.exists(), proc.stdout[-3000:] + proc.stderr[-3000:]
    # objects dbt_plugin.freeze_parsed_objects kept from the garbage collector and not thawed at exit are reported
    # by DuckDB's bindings as leaked ("nanobind: leaked 27 instances!"), on every run's stderr
    assert "nanobind: leaked" not in proc.stderr, proc.stderr[-3000:]
    results = json.loads(results_file.read_text())["results"]
    statuses = {r["unique_id"].split(".", 2)[-1]: r["status"] for r in results}
    statuses["__returncode__"] = proc.returncode
    statuses["__log__"] = proc.stdout
    return statuses


def landed_entries(base: Path, iso: str = "ERCOT") -> list[dict]:
    """The ISO's landing registry (metadata.json) entries; [] before anything landed."""
    meta = IsoPaths.of(iso, base).metadata_json
    return json.loads(meta.read_text()) if meta.exists() else []


def quarantine_reasons(base: Path, iso: str = "ERCOT") -> list[dict]:
    """The ISO's quarantine reason records, by file name."""
    q = IsoPaths.of(iso, base).quarantine
    return [json.loads(p.read_text()) for p in sorted(q.glob("*.reason.json"))] if q.exists() else []


def query(base: Path, sql: str, params: list | None = None) -> list[tuple]:
    with duckdb.connect(str(base / "warehouse.duckdb"), read_only=True) as con:
        con.execute("set TimeZone = 'UTC'")
        return con.execute(sql, params or []).fetchall()


@pytest.fixture(scope="session")
def ercot_raw(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("ercot_raw")
    generate_ercot(folder)
    return folder


@pytest.fixture(scope="session")
def built(tmp_path_factory, ercot_raw) -> Path:
    """The full 21-day ERCOT sample landed and built through every stage (shared, read-only for tests)."""
    base = tmp_path_factory.mktemp("built")
    land("ERCOT", [ercot_raw], base=base)
    statuses = build(base, "--select", "tag:ercot")
    assert statuses["__returncode__"] == 0, statuses["__log__"][-5000:]
    return base


@pytest.fixture()
def base(tmp_path) -> Path:
    path = tmp_path / "data"
    path.mkdir()
    return path


@pytest.fixture(autouse=True)
def _no_global_data_dir(monkeypatch, tmp_path, _dbt_folders):
    """Never let a test touch the developer's data/ folder, nor the project's target/ and logs/ (which the parallel
    test workers would share: each worker has its own, kept for the session so dbt's partial parse is reused)."""
    monkeypatch.setenv("ISO_DATA_DIR", str(tmp_path / "default_data"))
    monkeypatch.setenv("DBT_TARGET_PATH", str(_dbt_folders / "target"))
    monkeypatch.setenv("DBT_LOG_PATH", str(_dbt_folders / "logs"))


@pytest.fixture
def real_parse(monkeypatch):
    """dbt parses as it would for a user (no PARSE_SEED): for tests of when dbt keeps its partial parse."""
    monkeypatch.delenv(SEED_ENV)


@pytest.fixture(scope="session")
def _dbt_folders(tmp_path_factory) -> Path:
    """This test process's dbt target and log folders (one per pytest-xdist worker)."""
    return tmp_path_factory.mktemp("dbt")


@pytest.fixture(scope="session", autouse=True)
def _parse_seed(_dbt_folders):
    """Every dbt this test process starts, from session fixtures on, begins from this process's parse of the project
    (PARSE_SEED); `real_parse` turns it off for a test."""
    seeded = {"PYTHONPATH": os.pathsep.join(filter(None, [str(PARSE_SEED), os.environ.get("PYTHONPATH")])),
              SEED_ENV: str(_dbt_folders / "parse_seed"), SEED_ENV + "_PROJECT": str(PROJECT_ROOT)}
    saved = {name: os.environ.get(name) for name in seeded}
    os.environ.update(seeded)
    yield
    for name, value in saved.items():
        if value is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = value


def compile_inline(jinja_sql: str, workdir: Path, data_dir: Path | None = None) -> str:
    """The SQL dbt compiles from `jinja_sql` with this project's macros (against `data_dir`'s warehouse if given)."""
    import os
    import subprocess

    from ingest.config import PROJECT_ROOT
    from ingest.dbt import dbt_executable

    proc = subprocess.run(
        [dbt_executable(), "compile", "--quiet", "--project-dir", str(PROJECT_ROOT), "--profiles-dir", str(PROJECT_ROOT),
         "--inline", jinja_sql],
        capture_output=True, text=True, cwd=PROJECT_ROOT,
        env={**os.environ, "ISO_DATA_DIR": str(data_dir or workdir), "DBT_TARGET_PATH": str(workdir / "target"),
             "DBT_LOG_PATH": str(workdir / "logs")},
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return proc.stdout.strip()
