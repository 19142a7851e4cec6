"""`iso-pipeline scaffold`: the committed Stage 2-4 models of every ISO are what the registry says, a registry change is
caught until scaffold is re-run, and a file its contributor took over is never touched.

The fourth-ISO test (test_fourth_iso.py) builds an ISO from registry rows and a staging folder with this command."""

from __future__ import annotations

import csv
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from conftest import project_copy
from ingest.catalog import datasets, isos
from ingest.config import PROJECT_ROOT
from ingest.scaffold import MARK, scaffold


def cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "ingest.cli", *args], capture_output=True, text=True, cwd=PROJECT_ROOT)


def copy_project(tmp_path: Path) -> Path:
    return project_copy(tmp_path, ("models", "seeds"))


@pytest.mark.parametrize("iso", sorted(i.cli_name for i in isos().values()))
def test_committed_models_are_what_the_registry_says(iso):
    proc = cli("scaffold", iso, "--check")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "to (re)generate" not in proc.stdout
    generated = [c for c in scaffold(iso, check=True) if c.action == "unchanged"]
    # Stage 2, 3, 4 and the fill rule of every dataset are generated (CAISO and ERCOT write their landed models)
    names = {c.path.name for c in generated}
    for d in datasets(iso):
        lower = d.dataset.lower()
        assert {f"{iso}_{lower}.sql", f"{iso}_flat_{lower}.sql", f"int_{iso}__{lower}_gaps.sql"} <= names


def test_a_registry_change_is_caught_until_scaffold_runs(tmp_path):
    project = copy_project(tmp_path)
    seed = project / "seeds" / "datasets.csv"
    rows = list(csv.DictReader(seed.open()))
    for r in rows:
        if (r["iso"], r["dataset"]) == ("PJM", "RT_hourly"):
            r["grain_minutes"] = "30"
    with seed.open("w", newline="") as fh:
        w = csv.DictWriter(fh, rows[0].keys(), lineterminator="\n")
        w.writeheader()
        w.writerows(rows)
    proc = cli("scaffold", "pjm", "--check", "--project-dir", str(project))
    assert proc.returncode == 1
    assert "differs   models/intermediate/pjm/int_pjm__rt_hourly_gaps.sql" in proc.stdout
    assert "differs   models/rollup/pjm/_pjm__models.yml" in proc.stdout
    assert cli("scaffold", "pjm", "--project-dir", str(project)).returncode == 0
    gaps = (project / "models/intermediate/pjm/int_pjm__rt_hourly_gaps.sql").read_text()
    assert "'rt_lmp', 30, 'PJM')" in gaps
    stage2 = yaml.safe_load((project / "models/rollup/pjm/_pjm__models.yml").read_text())
    hourly = next(m for m in stage2["models"] if m["name"] == "pjm_rt_hourly")
    assert {"grain_minutes": 30}.items() <= hourly["data_tests"][3]["no_time_gaps"]["arguments"].items()
    assert cli("scaffold", "pjm", "--check", "--project-dir", str(project)).returncode == 0


def test_a_file_without_the_mark_is_the_contributors(tmp_path):
    project = copy_project(tmp_path)
    own = project / "models/flattened/pjm/pjm_flat_da_prices.sql"
    text = own.read_text()
    assert text.startswith("{#- " + MARK)
    mine = text.split("\n", 1)[1] + "\n-- my change\n"
    own.write_text(mine)
    changes = {c.path.relative_to(project).as_posix(): c.action for c in scaffold("pjm", project)}
    assert changes["models/flattened/pjm/pjm_flat_da_prices.sql"] == "kept"
    assert own.read_text() == mine
    # a generated file that was deleted comes back
    (project / "models/rollup/pjm/pjm_da_prices.sql").unlink()
    changes = {c.path.relative_to(project).as_posix(): c.action for c in scaffold("pjm", project)}
    assert changes["models/rollup/pjm/pjm_da_prices.sql"] == "written"


def test_unknown_iso_is_a_clear_error():
    proc = cli("scaffold", "nowhere", "--check")
    assert proc.returncode == 2
    assert "ISO 'nowhere' is not in seeds/isos.csv" in proc.stderr
