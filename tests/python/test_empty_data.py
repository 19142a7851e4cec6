"""Nothing is not green: an ISO with no landed data says so in the build, the reports and `check`."""

from __future__ import annotations

import os
import subprocess
import sys

from conftest import build


def test_a_build_with_nothing_landed_warns_and_the_reports_say_so(base):
    statuses = build(base, "--select", "tag:ercot")
    assert statuses["__returncode__"] == 0  # a warning, not an error: the project itself is fine
    warned = [n for n, s in statuses.items() if s == "warn"]
    assert any("landed_data_exists" in n and "_ERCOT" in n for n in warned), warned
    assert not any("landed_data_exists" in n and ("CAISO" in n or "PJM" in n) for n in statuses)  # only the ISO asked for
    for report in ("gaps_report.md", "quality_report.md"):
        text = (base / "ERCOT_data/rollup_files" / report).read_text()
        assert "**No data landed for ERCOT**" in text
    page = (base / "ERCOT_data/rollup_files/quality_report.html").read_text()
    assert "No data landed for ERCOT" in page and "<figure" in page  # its run history is still drawn
    # the seeds (tagged for every ISO, so that tag:<iso> builds them) make no other ISO's reports
    assert sorted(p.relative_to(base).as_posix() for p in base.glob("*_data/rollup_files/gaps_report.md")) == [
        "ERCOT_data/rollup_files/gaps_report.md"]
    gaps = (base / "ERCOT_data/rollup_files/gaps_report.md").read_text()
    assert "No missing intervals" not in gaps
    assert gaps.count("No data: nothing of this dataset") == 4  # DA, RT, RT_SPP, AS

    # `check` alerts instead of saying "no alerts"
    env = {**os.environ, "ISO_DATA_DIR": str(base)}
    proc = subprocess.run([sys.executable, "-m", "ingest.cli", "check", "ercot"], capture_output=True, text=True, env=env)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "no_data" in proc.stdout and "no file has been landed for ERCOT" in proc.stdout
    assert "no alerts" not in proc.stdout


def test_a_data_directory_that_does_not_exist_is_one_line(tmp_path):
    from ingest.config import PROJECT_ROOT
    from ingest.dbt import dbt_executable

    missing = tmp_path / "typo" / "data"
    env = {**os.environ, "ISO_DATA_DIR": str(missing), "DBT_TARGET_PATH": str(tmp_path / "t"),
           "DBT_LOG_PATH": str(tmp_path / "l")}
    proc = subprocess.run([dbt_executable(), "build", "--select", "tag:ercot", "--project-dir", str(PROJECT_ROOT),
                           "--profiles-dir", str(PROJECT_ROOT)], capture_output=True, text=True, env=env,
                          cwd=PROJECT_ROOT)
    out = proc.stdout + proc.stderr
    assert proc.returncode != 0
    assert f"the data directory {missing} does not exist" in out
    assert "Traceback" not in out
    assert not missing.exists()  # nothing was created in its place
    for command in (["status"], ["check", "ercot"]):
        proc = subprocess.run([sys.executable, "-m", "ingest.cli", *command], capture_output=True, text=True, env=env)
        lines = (proc.stdout + proc.stderr).strip().splitlines()
        assert len(lines) == 1 and "no warehouse at" in lines[0], lines
        assert proc.returncode == 2, (command, proc.returncode)  # status and check agree: the warehouse is unreadable
