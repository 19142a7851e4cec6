"""Packaging is honest: a wheel holds the Python package only, and an iso-pipeline installed from it says that it
runs from a checkout (one paragraph, exit 2) instead of failing on a missing file somewhere later.

The wheel is built by pip from a copy of the packaging inputs (no build/ or egg-info in the checkout), installed
with --target into a temporary folder, and run from an empty directory with that folder first on sys.path."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from ingest.config import PROJECT_ROOT


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    src = tmp_path_factory.mktemp("src")
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(PROJECT_ROOT / name, src / name)
    shutil.copytree(PROJECT_ROOT / "ingest", src / "ingest", ignore=shutil.ignore_patterns("__pycache__"))
    out = tmp_path_factory.mktemp("wheel")
    proc = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--verbose", "-w", str(out), str(src)],
                          capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    # setuptools' deprecation warnings (license classifiers, license table) are gone
    assert "Deprecat" not in proc.stdout + proc.stderr, proc.stdout[-3000:] + proc.stderr[-3000:]
    (built,) = out.glob("iso_pipeline-*.whl")
    return built


def test_wheel_holds_the_package_and_its_templates_only(wheel):
    names = zipfile.ZipFile(wheel).namelist()
    assert "ingest/cli.py" in names and "ingest/scaffold/templates/" in "".join(names)
    assert not [n for n in names if n.startswith(("models/", "seeds/", "macros/", "tests/"))]


def test_installed_wheel_says_it_runs_from_a_checkout(wheel, tmp_path):
    site = tmp_path / "site"
    proc = subprocess.run([sys.executable, "-m", "pip", "install", "--no-deps", "--quiet", "--target", str(site),
                           str(wheel)], capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-3000:]
    empty = tmp_path / "empty"
    empty.mkdir()
    env = {**os.environ, "PYTHONPATH": str(site)}
    run = [sys.executable, "-c", "import sys, ingest, ingest.cli; print(ingest.__file__, file=sys.stderr); "
                                 "sys.argv[0] = 'iso-pipeline'; ingest.cli.main()"]

    where = subprocess.run([*run, "--version"], cwd=empty, env=env, capture_output=True, text=True, timeout=120)
    assert where.returncode == 0 and str(site) in where.stderr, where.stdout + where.stderr  # the wheel's code ran

    for args in (["demo"], ["land", "ercot", "."], ["status"]):
        proc = subprocess.run([*run, *args], cwd=empty, env=env, capture_output=True, text=True, timeout=120)
        assert proc.returncode == 2, (args, proc.stdout, proc.stderr)
        assert "runs from a checkout" in proc.stderr and "make setup" in proc.stderr, proc.stderr
        assert "Traceback" not in proc.stderr, proc.stderr
    assert not list(empty.iterdir()), "nothing is written where it cannot run"
