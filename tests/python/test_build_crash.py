"""Kill -9 `dbt build` inside model execution, rerun it, and compare every output with a clean run's.

The points are reached deterministically with the test hook of ingest/dbt_plugin.py: ISO_PIPELINE_TEST_PAUSE_AT
makes dbt say so on stderr and sleep at a named step, and the test kills dbt's whole process group right there.
Each point is hit in a full build (first build of a landed sample) and in an incremental build (the next
publications landed on top of it); the points in turn, each in the rerun after the kill before (so each rerun also
repairs a kill). After the last kill `dbt build --select tag:ercot` runs to completion, and then every
file under rollup_files/ (Stage 2, 3, 4 parquet by content, the reports modulo their time stamps, everything else
byte for byte, no scratch or extra folder) and every table of the warehouse's ercot schema (the intermediate
incremental tables among them) must equal the clean run's.

The sample: 30 Dec 2024 - 2 Jan 2025 (a month and a year boundary: Stage 3 writes two month files in two year
folders). The full build gets what ERCOT published before 2 Jan 00:00 local; the incremental build the rest, which
includes the last 15-minute SPP interval of 1 Jan: the incremental build rewrites an existing Stage 2 day (1 Jan)
and adds one (2 Jan), and Stage 3 merges new days into both existing month files.

Every build runs in the same folder (snapshots are copied in and out), so the warehouse's absolute paths always
hold and dbt parses the project once (partial parsing, one target folder).
"""

from __future__ import annotations

import datetime as dt
import os
import re
import shutil
import signal
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pytest

from ingest.config import PROJECT_ROOT
from ingest.dbt import dbt_executable
from ingest.landing import land
from ingest.sample.ercot import generate_ercot

pytestmark = pytest.mark.e2e

START, DAYS = dt.date(2024, 12, 30), 4
CUT = "20250102.000000"  # publish time (local) of the `cdr.<type>.<id>.<YYYYMMDD>.<HHMMSS>.<name>` zips

# Where the build is killed: {point: (ISO_PIPELINE_TEST_PAUSE_AT (ingest/dbt_plugin.py), what the kill leaves
# behind that a clean run does not have: a witness (a regex on `differences`' words) that the kill hit that point)},
# in build order (the test kills each in the rerun after the kill before).
POINTS = {
    # int_ercot__rt_spp's append has run (first build: its create table), its transaction is not committed
    "int_append": (r'sql:(insert into|create\s+table)\s+"warehouse"\."ercot"\."int_ercot__rt_spp"[\s(]',
                   r"ercot\.int_ercot__rt_spp(:|$)"),  # missing (first build) or without the new rows
    # Stage 2 RT_SPP in the middle of publishing its day files (incremental: 1 Jan replaced, 2 Jan still in the
    # scratch folder; full export: the old folder moved away, the new one not yet in place), nothing logged
    "stage2_publish": (r"publish_day_files:rollup_files/RT_SPP\.writing$", r"^unexpected RT_SPP\.writing/"),
    # Stage 3 RT_SPP in the middle of publishing its month files, merged with the days they keep (incremental:
    # December's published, January's not)
    "stage3_month_merge": (r"publish_day_files:flattened/RT_SPP\.writing$", r"^unexpected flattened/RT_SPP\.writing/"),
    # Stage 4: DA_AS_RT_hourly rewritten (its COPY done, not committed); its monthly split not yet
    "stage4": (r"sql:to '[^']*/combined/yearly/DA_AS_RT_hourly\.writing' \(", r"combined/monthly/DA_AS_RT_hourly/"),
}
# Stage 4 written whole (partitioned): DA_AS_combined's new folder written, the old one moved away, the new one not
# yet in place (it used to be written over the old files: a kill mid-COPY left a truncated file). Incremental only:
# the full scenario takes the same path.
STAGE4_SWAP = (r"publish_day_files:combined/monthly/DA_AS_combined\.writing$", r"^missing combined/monthly/DA_AS_combined/$")
SCENARIOS = {"full": ("landed", "full"), "incremental": ("landed_more", "incremental")}  # start snapshot, clean run

# Run-dependent columns, not compared: `_loaded_at` (intermediate tables) is the clock time of the run that
# appended the row. No parquet output has one.
IGNORED_COLUMNS = {"_loaded_at"}
# Run-dependent bits: DuckDB's parallel aggregates add up in a run-dependent order, so Stage 4's RT_AVG_* / RT_STD_*
# of two clean runs differ in the last bits (~1e-14): floating-point columns are compared rounded to 6 decimals.
FLOAT_DECIMALS = 6
# Run-dependent report text: the build's time and dbt invocation id.
REPORT_STAMPS = [(re.compile(r"Written by `dbt build` at \d{4}-\d\d-\d\d \d\d:\d\d UTC"), "Written by `dbt build` at"),
                 (re.compile(r"\(invocation `[0-9a-f-]+`\)"), "(invocation)")]


@dataclass
class Runs:
    root: Path

    @property
    def work(self) -> Path:  # the data directory every build runs in
        return self.root / "data"

    def snapshot(self, name: str) -> Path:
        return self.root / "snapshots" / name

    def save(self, name: str) -> None:
        shutil.copytree(self.work, self.snapshot(name), symlinks=True)

    def restore(self, name: str) -> None:
        self.restore_empty()
        shutil.copytree(self.snapshot(name), self.work, symlinks=True)

    def restore_empty(self) -> None:
        shutil.rmtree(self.work, ignore_errors=True)

    def start_build(self, pause: str | None = None) -> subprocess.Popen:
        # no quality_report.html: it draws each run's own timings (and run history), so it differs between any two
        # runs; the data it draws is compared here file by file
        env = {**os.environ, "ISO_DATA_DIR": str(self.work), "DBT_TARGET_PATH": str(self.root / "target"),
               "DBT_LOG_PATH": str(self.root / "logs"), "ISO_QUALITY_HTML": "0"}
        env.pop("ISO_PIPELINE_TEST_PAUSE_AT", None)
        if pause:
            env["ISO_PIPELINE_TEST_PAUSE_AT"] = pause
        with open(self.root / "dbt_stdout.log", "w") as out:
            return subprocess.Popen(
                [dbt_executable(), "build", "--select", "tag:ercot", "--project-dir", str(PROJECT_ROOT),
                 "--profiles-dir", str(PROJECT_ROOT)],
                cwd=PROJECT_ROOT, env=env, stdout=out, stderr=subprocess.PIPE, text=True, start_new_session=True)

    def build(self) -> None:
        proc = self.start_build()
        err = proc.stderr.read()
        assert proc.wait() == 0, self.output() + err

    def crash(self, pause: str, while_paused: Callable[[], None] = lambda: None) -> str:
        """Start a build, wait until dbt pauses at `pause`, call `while_paused`, kill -9 dbt's process group; the
        pause line."""
        proc = self.start_build(pause)
        for line in proc.stderr:
            if line.startswith("ISO_PIPELINE_TEST_PAUSED"):
                try:
                    while_paused()
                finally:
                    os.killpg(proc.pid, signal.SIGKILL)
                    proc.wait()
                return line
        proc.wait()
        pytest.fail(f"dbt never reached {pause} (exit {proc.returncode}):\n{self.output()}")

    def output(self) -> str:
        return (self.root / "dbt_stdout.log").read_text()[-4000:]


def published_before_cut(zip_path: Path) -> bool:
    _, _, _, day, time, *_ = zip_path.name.split(".")
    return f"{day}.{time}" < CUT


@pytest.fixture(scope="module")
def runs(tmp_path_factory) -> Runs:
    return Runs(tmp_path_factory.mktemp("build_crash"))


@pytest.fixture(scope="module")
def sample(runs) -> Runs:
    """Snapshots: `landed` (first publications landed), `full` (built), `landed_more` (the rest landed on top),
    `incremental` (built again): the clean runs."""
    files = generate_ercot(runs.root / "raw", start=START, days=DAYS)
    first = [f for f in files if published_before_cut(f)]
    assert 0 < len(first) < len(files)
    land("ERCOT", first, base=runs.work)
    runs.save("landed")
    runs.build()
    runs.save("full")
    land("ERCOT", [f for f in files if not published_before_cut(f)], base=runs.work)
    runs.save("landed_more")
    runs.build()
    runs.save("incremental")
    return runs


# -- the comparison ---------------------------------------------------------------------------------------------------
def tree(root: Path) -> dict[str, Path]:
    """Every file and folder below `root` (folders end in '/')."""
    return {p.relative_to(root).as_posix() + ("/" if p.is_dir() else ""): p for p in root.rglob("*")}


def parquet_differences(con, a: Path, b: Path) -> list[str]:
    read = lambda f: f"read_parquet('{f}', hive_partitioning = false)"  # noqa: E731 - the file's own columns
    cols_a = con.execute(f"describe select * from {read(a)}").fetchall()
    cols_b = con.execute(f"describe select * from {read(b)}").fetchall()
    if [c[:2] for c in cols_a] != [c[:2] for c in cols_b]:
        return [f"columns differ: {[c[:2] for c in cols_a]} vs {[c[:2] for c in cols_b]}"]
    cols = compared_columns([c[:2] for c in cols_a])
    return rows_differences(con, f"select {cols} from {read(a)}", f"select {cols} from {read(b)}")


def compared_columns(columns: list[tuple[str, str]]) -> str:
    """The select list that compares `columns` ([(name, type)]): IGNORED_COLUMNS left out, floats rounded."""
    return ", ".join(f'round("{name}", {FLOAT_DECIMALS}) as "{name}"' if kind in ("DOUBLE", "FLOAT") else f'"{name}"'
                     for name, kind in columns if name not in IGNORED_COLUMNS)


def rows_differences(con, a: str, b: str) -> list[str]:
    only_a = con.execute(f"select count(*) from ({a} except all {b})").fetchone()[0]
    only_b = con.execute(f"select count(*) from ({b} except all {a})").fetchone()[0]
    return [f"{only_a} rows only in the clean run, {only_b} only in the crashed one"] if only_a or only_b else []


def normalized_report(path: Path) -> str:
    text = path.read_text()
    for pattern, replacement in REPORT_STAMPS:
        text = pattern.sub(replacement, text)
    return text


def warehouse_differences(con, a: Path, b: Path) -> list[str]:
    """Every table (not view) of the ercot schema, `_loaded_at` aside, and the days each day-unit parquet model has
    written and verified: what the next build plans from (when, and how often, they were written is the run's)."""
    con.execute(f"attach '{a / 'warehouse.duckdb'}' as clean (read_only)")
    con.execute(f"attach '{b / 'warehouse.duckdb'}' as crashed (read_only)")
    try:
        tables = lambda db: {r[0] for r in con.execute(  # noqa: E731
            f"select table_name from information_schema.tables where table_catalog = '{db}' "
            "and table_schema = 'ercot' and table_type = 'BASE TABLE'").fetchall()}
        found, crashed = tables("clean"), tables("crashed")
        out = [f"warehouse: missing table ercot.{t}" for t in sorted(found - crashed)]
        out += [f"warehouse: unexpected table ercot.{t}" for t in sorted(crashed - found)]
        queries = {"main._export_days": "select distinct model, day, verified_at is null from <db>.main._export_days"}
        for t in sorted(found & crashed):
            cols = compared_columns(con.execute(
                "select column_name, data_type from information_schema.columns where table_catalog = 'clean' "
                "and table_schema = 'ercot' and table_name = ? order by ordinal_position", [t]).fetchall())
            queries[f"ercot.{t}"] = f"select {cols} from <db>.ercot.{t}"
        for name, sql in queries.items():
            out += [f"warehouse {name}: {d}" for d in rows_differences(
                con, sql.replace("<db>", "clean"), sql.replace("<db>", "crashed"))]
        return out
    finally:
        con.execute("detach clean")
        con.execute("detach crashed")


def differences(clean: Path, crashed: Path) -> list[str]:
    """What differs between two data directories' outputs: rollup_files/ and the warehouse's ercot tables."""
    a, b = (d / "ERCOT_data" / "rollup_files" for d in (clean, crashed))
    files_a, files_b = tree(a), tree(b)
    out = [f"missing {p}" for p in sorted(files_a.keys() - files_b.keys())]
    out += [f"unexpected {p}" for p in sorted(files_b.keys() - files_a.keys())]
    with duckdb.connect() as con:
        for rel in sorted(files_a.keys() & files_b.keys()):
            fa, fb = files_a[rel], files_b[rel]
            if rel.endswith("/"):
                continue
            if rel.endswith(".parquet"):
                diff = parquet_differences(con, fa, fb)
            elif rel.endswith(".md"):
                diff = [] if normalized_report(fa) == normalized_report(fb) else ["report text differs"]
            else:
                diff = [] if fa.read_bytes() == fb.read_bytes() else ["bytes differ"]
            out += [f"{rel}: {d}" for d in diff]
        out += warehouse_differences(con, clean, crashed)
    return out


# -- the tests --------------------------------------------------------------------------------------------------------
def crash_rerun_compare(runs: Runs, start: str, clean: str, pause: str, witness: str) -> None:
    runs.restore(start)
    paused = runs.crash(pause)
    left_behind = differences(runs.snapshot(clean), runs.work)
    assert any(re.search(witness, d) for d in left_behind), (paused, left_behind)

    runs.build()
    assert differences(runs.snapshot(clean), runs.work) == [], f"after the kill at {paused}"


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_killed_at_each_point_in_turn_then_rerun_equals_the_clean_run(sample, scenario):
    """The build is killed at every point of POINTS in turn, each kill in the rerun of the one before (POINTS is in
    build order: each rerun first repairs what the last kill left, then reaches the next point), then run to the end.
    One clean rerun per scenario instead of one per point: every point is still hit, and its witness seen."""
    start, clean = SCENARIOS[scenario]
    sample.restore(start)
    for point, (pause, witness) in POINTS.items():
        paused = sample.crash(pause)
        left_behind = differences(sample.snapshot(clean), sample.work)
        assert any(re.search(witness, d) for d in left_behind), (point, paused, left_behind)
    sample.build()
    assert differences(sample.snapshot(clean), sample.work) == [], f"after the kills at {list(POINTS)}"


def test_kill_while_stage4_is_swapped_in_then_rerun_equals_the_clean_run(sample):
    crash_rerun_compare(sample, *SCENARIOS["incremental"], *STAGE4_SWAP)


def test_a_whole_history_statement_runs_alone(sample):
    """A statement reading a model's whole history (macro run_alone: here Stage 2 RT_SPP's full export in the first
    build) runs while no other dbt thread's statement runs, and none starts beside it (ingest/dbt_plugin.py,
    StatementTurns): two of them once shared DuckDB's memory cap at a year and ran out of it. Paused inside it, the
    build's other thread must wait for its statement (its `On <node>` logged, no `SQL status` after it) and no
    statement may end. Without the turns the other thread went on (shown by disabling them)."""
    statement = re.compile(r"\[debug\] \[(Thread-\d+)[^]]*\]: (On |SQL status)")
    log = sample.root / "logs" / "dbt.log"

    def nothing_else_runs() -> None:
        start = log.stat().st_size
        time.sleep(3)
        during = log.read_text()[start:]
        assert "SQL status" not in during, during[-3000:]
        last = {}  # each thread's last statement event: "On " (waiting or running) or "SQL status" (done)
        for thread, event in statement.findall(log.read_text()):
            last[thread] = event
        waiting = [thread for thread, event in last.items() if event == "On "]
        assert len(waiting) == 2, last  # the paused statement, and the other thread's, waiting for its turn

    sample.restore("landed")
    log.unlink(missing_ok=True)
    sample.crash(r"sql:iso_pipeline: alone \*/\s*select iso_remove_tree\('[^']*/rollup_files/RT_SPP\.writing'\)",
                 nothing_else_runs)


def test_kill_while_a_new_point_rewrites_stage3_in_full(runs):
    """A new settlement point is a new column: Stage 3 rewrites every month file. Killed while they are published,
    the rerun must still give every month the new column, January too, which an incremental run does not touch.
    (Published file by file, it did not: December had the new column, January not, and the rerun took the column
    list of the view, which reads every file by name, for the new one, and wrote February only.)"""
    day = lambda d, n_nodes: generate_ercot(runs.root / "raw_point" / d.isoformat(), start=d, days=1,  # noqa: E731
                                            datasets=("RT_SPP",), n_nodes=n_nodes)
    # three months; the incremental day (with a sixth resource node) reaches only February's file
    first = day(dt.date(2024, 12, 31), 5) + day(dt.date(2025, 1, 15), 5) + day(dt.date(2025, 2, 15), 5)
    runs.restore_empty()
    land("ERCOT", first, base=runs.work)
    runs.build()
    land("ERCOT", day(dt.date(2025, 2, 16), 6), base=runs.work)
    runs.save("point_landed_more")
    runs.build()
    runs.save("point_clean")
    crash_rerun_compare(runs, "point_landed_more", "point_clean", r"publish_day_files:flattened/RT_SPP\.writing$",
                        r"^missing flattened/RT_SPP/$")  # the old folder moved away, the new one not in place


def test_the_comparison_sees_a_changed_value_row_report_or_log_and_a_stray_folder(sample, tmp_path):
    clean = sample.snapshot("incremental")
    other = tmp_path / "other"
    shutil.copytree(clean, other, symlinks=True)
    rollup = other / "ERCOT_data" / "rollup_files"
    assert differences(clean, other) == []

    # the report's time stamp is ignored, its content is not
    report = rollup / "gaps_report.md"
    report.write_text(re.sub(r"at \d{4}-\d\d-\d\d \d\d:\d\d UTC", "at 1999-01-01 00:00 UTC", report.read_text()))
    assert differences(clean, other) == []
    report.write_text(report.read_text().replace("No missing intervals.", "Some missing intervals.", 1))

    # one Stage 3 value changed (same columns, same row count), a scratch folder left behind
    month = rollup / "flattened" / "RT_SPP" / "year=2025" / "data_202501.parquet"
    with duckdb.connect() as con:
        month_rows = f"read_parquet('{month}', hive_partitioning = false)"
        con.execute(f"copy (select * replace (case when datetime = (select min(datetime) from {month_rows}) "
                    f"then \"HB_NORTH\" + 0.01 else \"HB_NORTH\" end as \"HB_NORTH\") from {month_rows}) "
                    f"to '{tmp_path / 'changed.parquet'}' (format parquet)")
    shutil.move(tmp_path / "changed.parquet", month)
    (rollup / "RT_SPP.writing" / "year=2025").mkdir(parents=True)
    with duckdb.connect(str(other / "warehouse.duckdb")) as con:
        con.execute("delete from ercot.int_ercot__rt_spp "
                    "where datetime = (select max(datetime) from ercot.int_ercot__rt_spp)")
        con.execute("""update main._export_days set verified_at = null where model = '"warehouse"."ercot"."rt_spp"'
                       and day = date '2025-01-02'""")

    found = differences(clean, other)
    assert "gaps_report.md: report text differs" in found
    one_row = "1 rows only in the clean run, 1 only in the crashed one"
    assert f"flattened/RT_SPP/year=2025/data_202501.parquet: {one_row}" in found
    assert "unexpected RT_SPP.writing/" in found and "unexpected RT_SPP.writing/year=2025/" in found
    assert any(d.startswith("warehouse ercot.int_ercot__rt_spp: ") and "0 only in the crashed one" in d for d in found)
    assert f"warehouse main._export_days: {one_row}" in found
    assert len(found) == 6, found
