"""`iso-pipeline sql`: one read-only query on the warehouse, from any directory, with clear exits."""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import query

pytestmark = pytest.mark.e2e


def _sql(base: Path, cwd: Path, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "ISO_DATA_DIR": str(base)}
    return subprocess.run([sys.executable, "-m", "ingest.cli", "sql", *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=120)


def test_csv_and_json_hold_every_row_as_the_warehouse_has_it(built, tmp_path):
    expected = query(built, "select settlement_point, count(*), round(avg(da_lmp), 4) from ercot.da_prices "
                            "group by 1 order by 1")
    sql = "select settlement_point, count(*) as n, round(avg(da_lmp), 4) as avg_lmp from ercot.da_prices group by 1 order by 1"
    proc = _sql(built, tmp_path, "--format", "csv", sql)
    assert proc.returncode == 0, proc.stderr
    rows = list(csv.reader(io.StringIO(proc.stdout)))
    assert rows[0] == ["settlement_point", "n", "avg_lmp"]
    assert [(r[0], int(r[1]), float(r[2])) for r in rows[1:]] == [(p, n, float(a)) for p, n, a in expected]

    proc = _sql(built, tmp_path, "--format", "json", sql)
    lines = [json.loads(line) for line in proc.stdout.splitlines()]
    assert [(d["settlement_point"], d["n"]) for d in lines] == [(p, n) for p, n, _ in expected]


def test_table_shows_40_rows_says_how_many_more_and_no_ansi_when_piped(built, tmp_path):
    total = query(built, "select count(*) from ercot.da_prices")[0][0]
    proc = _sql(built, tmp_path, "select * from ercot.da_prices")
    assert proc.returncode == 0, proc.stderr
    assert "\x1b[" not in proc.stdout
    assert f"{total:,} rows ({total - 40:,} not shown" in proc.stdout
    assert sum("│" in line for line in proc.stdout.splitlines()) == 40  # the data rows (the header is ┃)


def test_relative_paths_resolve_against_the_data_directory(built, tmp_path):
    proc = _sql(built, tmp_path, "--format", "csv",
                "select count(*) from read_parquet('ERCOT_data/rollup_files/DA_prices/*/*.parquet')")
    assert proc.returncode == 0, proc.stderr
    assert int(proc.stdout.splitlines()[1]) == query(built, "select count(*) from ercot.da_prices")[0][0]


@pytest.mark.parametrize("sql, message", [
    ("selec 1", "syntax error"),
    ("create table ercot.x (a int)", "read-only"),
    ("select * from ercot.no_such_table", "no_such_table"),
])
def test_a_rejected_query_is_one_line_and_exit_1(built, tmp_path, sql, message):
    proc = _sql(built, tmp_path, sql)
    assert proc.returncode == 1 and message in proc.stderr and "Traceback" not in proc.stderr, proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1, proc.stderr


def test_no_warehouse_is_exit_2_as_status(tmp_path):
    proc = _sql(tmp_path / "nothing", tmp_path, "select 1")
    assert proc.returncode == 2 and "no warehouse" in proc.stderr, proc.stderr
