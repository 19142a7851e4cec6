"""Run history, freshness and `iso-pipeline status`, against real dbt runs on a copy of the built sample.

The module fixture `history` copies the built sample's warehouse (its history: one landing, one build) and, in
order: lands again (everything skipped), runs dbt on a broken CSV (failure), makes the landing registry stale and
runs `dbt source freshness`. Every step is a separate process or connection; the history is read afresh after each.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from conftest import query
from ingest.config import IsoPaths
from ingest.dbt import run_dbt
from ingest.landing import land
from ingest.monitor import freshness
from ingest.monitor.alerts import evaluate
from ingest.monitor.common import connect, parse_time
from ingest.monitor.history import DDL
from ingest.registry import sync_warehouse

END_OF_SAMPLE = parse_time("2024-11-11T00:00-06:00")
STALE = {  # landed this long before now -> status under the thresholds of the sources YAML
    "np4_190_cd": (dt.timedelta(hours=1), "pass"),  # DAM: warn 36h, error 48h
    "np4_188_cd": (dt.timedelta(hours=40), "warn"),  # AS: warn 36h, error 48h
    "np6_905_cd": (dt.timedelta(minutes=90), "warn"),  # SPP: warn 1h, error 3h
    "np6_788_cd": (dt.timedelta(hours=3), "error"),  # SCED: warn 30m, error 2h
}


def dbt(base: Path, *args: str) -> subprocess.CompletedProcess:
    return run_dbt(list(args), base=base, capture=True,
                   env={"DBT_TARGET_PATH": str(base / "dbt_target"), "DBT_LOG_PATH": str(base / "dbt_logs")})


def runs(base: Path) -> list[tuple]:
    """The run history, read by a new connection each time (nothing survives in memory between steps)."""
    return query(base, "select kind, command, status, run_id from monitoring.runs order by started_at")


def cli(base: Path, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    exe = Path(sys.executable).with_name("iso-pipeline")
    return subprocess.run([str(exe), *args], capture_output=True, text=True,
                          env={**os.environ, "ISO_DATA_DIR": str(base), "ALERT_MIN_FREE_DISK_GB": "0", **(env or {})})


@pytest.fixture(scope="module")
def history(built, ercot_raw, tmp_path_factory) -> dict:
    base = tmp_path_factory.mktemp("history") / "data"
    base.mkdir()
    shutil.copy(built / "warehouse.duckdb", base)  # history so far: the landing and the build of `built`
    shutil.copytree(built / "ERCOT_data/csv_files", base / "ERCOT_data/csv_files",
                    ignore=shutil.ignore_patterns("RT_*"))  # the registry and the DA CSVs are enough here
    snap: dict = {"base": base, "start": runs(base)}

    again = land("ERCOT", sorted(ercot_raw.rglob("*DAMSPNP4190*"))[:3], base=base)
    assert again.n_skipped == 3 and again.n_landed == 0
    snap["after_land"] = runs(base)

    # a CSV that bypassed landing and cannot be read: the full refresh of the intermediate model fails
    broken = base / "ERCOT_data/csv_files/DA_prices/np4_190_cd/zz_broken.csv"
    broken.write_text("DeliveryDate,HourEnding,SettlementPoint,SettlementPointPrice,DSTFlag\n"
                      "notadate,01:00,HB_NORTH,1.0,N\n")
    bad = dbt(base, "run", "--select", "stg_ercot__dam_spp", "int_ercot__da_prices", "--full-refresh")
    assert bad.returncode != 0 and "Conversion Error" in bad.stdout, bad.stdout[-3000:]
    broken.unlink()
    snap["after_failure"] = runs(base)
    with connect(base) as con:
        snap["alerts_after_failure"] = evaluate(con, base, ["ERCOT"], END_OF_SAMPLE)
    snap["status"] = cli(base, "status", "ercot", "--as-of", "2024-11-11T00:00-06:00")
    snap["status_summary"] = cli(base, "status", "--as-of", "2024-11-11T00:00-06:00")
    snap["status_verbose"] = cli(base, "status", "--verbose", "--as-of", "2024-11-11T00:00-06:00")
    snap["check"] = cli(base, "check", "ercot", "--as-of", "2024-11-11T00:00-06:00")

    # stale fixture data: the registry says each format last landed some time ago
    paths = IsoPaths.of("ERCOT", base)
    now = dt.datetime.now(dt.UTC)
    entries = json.loads(paths.metadata_json.read_text())
    for e in entries:
        if e["format"] in STALE:
            e["landed_at"] = (now - STALE[e["format"]][0]).isoformat()
    paths.metadata_json.write_text(json.dumps(entries))
    sync_warehouse(paths)
    fresh = dbt(base, "source", "freshness", "--select", "source:ercot_landed")
    snap["freshness_proc"] = fresh
    snap["sources_json"] = json.loads((base / "dbt_target" / "sources.json").read_text())
    snap["after_freshness"] = runs(base)
    return snap


def test_history_tables_of_a_dbt_build_are_the_python_definition(built):
    """The monitoring tables have one definition (ingest/monitor/history.py DDL), used by landing and, through the
    dbt-duckdb plugin, by every dbt connection: a build's tables are exactly that definition's."""
    columns = ("select table_name, column_name, data_type, ordinal_position from information_schema.columns "
               "where table_schema = 'monitoring' order by all")
    with duckdb.connect() as con:
        con.execute("set TimeZone = 'UTC'")
        con.execute(DDL)
        python = con.execute(columns).fetchall()
    assert query(built, columns) == python


def test_landing_and_build_are_recorded(built):
    (land_run, build_run) = query(built, "select run_id, kind, command, status, isos from monitoring.runs "
                                         "order by started_at")
    assert land_run[1:] == ("land", "land", "success", "ERCOT")
    assert build_run[1:] == ("dbt", "build", "success", "ERCOT")

    per_dataset = query(built, "select dataset, files_landed, files_skipped, files_quarantined, rows_landed "
                               "from monitoring.run_datasets where run_id = ? order by 1", [land_run[0]])
    landed = query(built, "select dataset, count(*), 0, 0, sum(rows) from landing.landed_files group by 1 order by 1")
    assert per_dataset == landed

    stages = dict(query(built, "select stage, nodes from monitoring.run_stages where run_id = ? "
                               "and resource_type = 'model' and iso = 'ERCOT'", [build_run[0]]))
    assert {"staging", "intermediate", "rollup", "flattened", "combined"} <= set(stages)
    timed = query(built, "select count(*), count(*) filter (where seconds > 0 and completed_at >= started_at) "
                         "from monitoring.run_nodes where run_id = ?", [build_run[0]])[0]
    assert timed[0] == timed[1] > 100
    # rows per stage: Stage 2 DA rows as recorded = rows in the parquet; tests know their dataset
    (recorded,) = query(built, "select rows from monitoring.run_nodes where run_id = ? and name = 'ercot_da_prices'",
                        [build_run[0]])[0]
    assert recorded == query(built, "select count(*) from ercot.da_prices")[0][0] > 0
    # a view holds no rows: not counted (its count would read its inputs' whole history on every build)
    views = query(built, "select n.name, n.rows from monitoring.run_nodes as n join duckdb_views() as v "
                         "on v.view_name = n.name and v.schema_name = 'ercot' where n.run_id = ?", [build_run[0]])
    assert len(views) >= 4 and all(r is None for _, r in views), views
    assert query(built, "select count(*) from monitoring.run_nodes where run_id = ? and resource_type = 'test' "
                        "and dataset = 'RT_SPP' and status = 'pass'", [build_run[0]])[0][0] > 5

    # storage per dataset from the rollup folders
    stored = dict((f"{a}/{d}", b) for a, d, b in query(
        built, "select area, dataset, bytes from monitoring.storage where run_id = ?", [build_run[0]]))
    rollup = IsoPaths.of("ERCOT", built).rollup_files
    assert stored["stage2/DA_prices"] == sum(p.stat().st_size for p in (rollup / "DA_prices").rglob("*.parquet"))
    assert stored["stage3/RT_prices"] == sum(p.stat().st_size for p in (rollup / "flattened/RT_prices").rglob("*.parquet"))
    assert stored["stage4/yearly/DA_AS_RT_hourly"] > 0 and stored["stage4/analysis_ready"] > 0
    assert query(built, "select sum(bytes) from monitoring.storage where run_id = ? and area = 'landed_csv'",
                 [land_run[0]])[0][0] == query(built, "select sum(bytes) from landing.landed_files")[0][0]


def test_history_grows_by_one_per_run_and_survives_restarts(history):
    order = ["start", "after_land", "after_failure", "after_freshness"]
    sizes = [len(history[k]) for k in order]
    assert sizes == [2, 3, 4, 5], sizes  # `built`: its landing and its build; then one row per run
    assert [r[:3] for r in history["start"]] == [("land", "land", "success"), ("dbt", "build", "success")]
    new = [history[k][-1][:3] for k in order[1:]]
    assert new == [("land", "land", "success"), ("dbt", "run", "error"),
                   ("dbt", "freshness", "error")]  # freshness: the SCED error threshold passed
    # each earlier snapshot is a prefix of the later ones: nothing rewritten, nothing lost
    for a, b in zip(order, order[1:]):
        assert history[b][: len(history[a])] == history[a]
    land_id = history["after_land"][-1][3]
    assert query(history["base"], "select dataset, files_landed, files_skipped from monitoring.run_datasets "
                                  "where run_id = ?", [land_id]) == [("DA_prices", 0, 3)]


def test_failed_run_fires_and_shows_in_status(history):
    (alert,) = history["alerts_after_failure"]
    assert alert.kind == "run_failed" and alert.iso == "ERCOT"
    assert "int_ercot__da_prices" in alert.what and "Conversion Error" in alert.what
    assert alert.where == f"run {history['after_failure'][-1][3]}"
    assert history["check"].returncode == 1 and "run_failed" in history["check"].stdout

    out = history["status"]
    assert out.returncode == 0, out.stderr
    text = out.stdout
    for expected in ("Freshness", "np6_788_cd", "Last run per stage", "intermediate", "combined (4)",
                     "Error rates", "Storage", "stage2", "Open alerts (1", "run_failed"):
        assert expected in text, (expected, text)
    intermediate = next(line for line in text.splitlines() if line.strip().startswith("intermediate"))
    assert " run " in intermediate and "error" in intermediate


DATASETS = ("DA_prices", "RT_prices", "RT_SPP", "AS_prices")  # ERCOT's landed datasets


def test_status_is_one_screen_a_block_per_iso(history):
    """`iso-pipeline status` (issue 19): per ISO a short header and one row per dataset, about 15 lines an ISO on a
    120-column terminal; plain text in a pipe (no colour codes, no trailing spaces); the failed run shows in the
    summary too."""
    out = history["status_summary"]
    assert out.returncode == 0, out.stderr
    text = out.stdout
    lines = text.splitlines()
    isos = [line.split()[1] for line in lines if line.startswith("== ")]
    assert isos == ["ERCOT"]
    assert len(lines) <= 15 * len(isos), text
    # the title and the quality report line name the data directory: any length
    assert all(len(line) <= 120 for line in lines[1:] if str(history["base"]) not in line), text
    assert "\x1b" not in text and all(line == line.rstrip() for line in lines)
    for ds in DATASETS:  # each dataset once, as a row: files, freshness, data through, last Stage 2 write, ...
        (row,) = [line for line in lines if line.split()[:1] == [ds]]
        assert "2024-11-11 06:00" in row, row  # Stage 2 data through the end of the sample
    header = next(line for line in lines if line.strip().startswith("dataset"))
    for column in ("files", "freshness", "age", "data through", "stage 2 written", "failed tests", "quarantined"):
        assert column in header, header
    assert "alerts: 1 (run_failed 1)" in text
    dbt_line = next(line for line in lines if line.strip().startswith("dbt "))
    assert " run error " in dbt_line and "errors in: intermediate" in dbt_line, dbt_line
    assert next(line for line in lines if line.strip().startswith("landing ")).endswith("0 quarantined")
    (alert,) = [line for line in lines if "run_failed" in line and "ERCOT" in line and "since" in line]
    assert history["after_failure"][-1][3] in alert
    # the detail is behind `status ISO` / --verbose: no report format, no per-stage table here
    for detail in ("np6_788_cd", "Last run per stage", "Error rates", "combined (4)", "warn / error"):
        assert detail not in text, detail


def test_status_verbose_and_status_iso_show_every_detail(history):
    """`status --verbose` (every ISO) and `status ERCOT` give the full detail: every feed / format, the run per
    stage, error rates, storage per area, every alert - for a one-ISO warehouse the same text."""
    verbose, one = history["status_verbose"], history["status"]
    assert verbose.returncode == 0 == one.returncode, verbose.stderr + one.stderr
    for expected in ("Freshness", "np4_190_cd", "np4_180_er", "never landed", "36 hours / 48 hours", "Last run per stage",
                     "rollup (2)", "combined (4)", "Error rates", "monthly/ALL_markets", "Storage", "landed_csv",
                     "stage4", "Open alerts (1", "run_failed"):
        assert expected in verbose.stdout, (expected, verbose.stdout)

    def body(text: str) -> list[str]:  # without the title, the disk line (free bytes move) and the check hint
        return [line for line in text.splitlines()[1:] if not line.startswith(("Disk:", "Open alerts ("))]

    assert body(verbose.stdout) == body(one.stdout)
    assert len(one.stdout.splitlines()) > len(history["status_summary"].stdout.splitlines())


@pytest.mark.parametrize("case", ["no data directory", "no warehouse", "warehouse in use"])
def test_status_and_check_agree_when_the_warehouse_cannot_be_read(case, tmp_path):
    """No warehouse (or one another process holds): `status` (any form) and `check` both say so in one line on
    stderr and exit 2 (docs/monitoring.md)."""
    base = tmp_path / "data"
    if case != "no data directory":
        base.mkdir()
    holder = duckdb.connect(str(base / "warehouse.duckdb")) if case == "warehouse in use" else None
    try:
        procs = {tuple(args): cli(base, *args) for args in (["status"], ["status", "--verbose"], ["status", "ercot"],
                                                            ["check"], ["check", "ercot"])}
    finally:
        if holder is not None:
            holder.close()
    for args, proc in procs.items():
        assert proc.returncode == 2, (args, proc.returncode, proc.stdout, proc.stderr)
        assert proc.stdout == "" and len(proc.stderr.strip().splitlines()) == 1, (args, proc.stderr)
        expected = "in use by another process" if case == "warehouse in use" else "no warehouse at"
        assert proc.stderr.startswith(f"{args[0]}: ") and expected in proc.stderr, (args, proc.stderr)


def test_dbt_source_freshness_warns_on_stale_landings(history):
    proc = history["freshness_proc"]
    assert proc.returncode != 0  # an error threshold passed
    results = {r["unique_id"].rsplit(".", 1)[-1]: r for r in history["sources_json"]["results"]}
    assert {k: r["status"] for k, r in results.items()} == {k: v[1] for k, v in STALE.items()}
    # yearly archives are not checked; their tables carry `freshness: null`
    assert not {"np4_180_er", "np6_785_er", "np4_181_er"} & set(results)

    # Python (status) applies the same thresholds to the same registry at dbt's snapshot time
    snapshot = dt.datetime.fromisoformat(results["np6_788_cd"]["snapshotted_at"].replace("Z", "+00:00"))
    with connect(history["base"]) as con:
        ours = {f.feed.format: f.status for f in freshness.evaluate(con, snapshot, "ERCOT")}
    assert {k: ours[k] for k in STALE} == {k: v[1] for k, v in STALE.items()}
    assert ours["np4_180_er"] == "not checked"

    last = query(history["base"], "select status, warnings, errors from monitoring.runs order by started_at desc limit 1")
    assert last == [("error", 2, 1)]


def test_every_landed_report_has_the_documented_freshness_thresholds():
    """docs/monitoring.md, freshness: day-ahead 36 h / 48 h, 5-minute 30 min / 2 h, 15-minute and PJM 5-minute
    1 h / 3 h, PJM verified hourly 48 h / 96 h, MISO real-time final 144 h / 192 h, MISO's weekly 5-minute archive
    192 h / 240 h, SPP daily roll-ups 168 h / 240 h,
    NYISO real-time day files 30 h / 54 h, ISO-NE 5-minute 6 h / 12 h, real-time final and reserve prices 240 h / 336 h,
    yearly archives and SPP's pre-2026 DA layout not checked.
    Every ISO's sources carry them (CAISO and PJM used to have none, so `status` showed their feeds as "not
    checked")."""
    import yaml

    from ingest.config import PROJECT_ROOT

    hours = {"hour": 1, "minute": 1 / 60}
    expected = {"np4_190_cd": (36, 48), "np4_188_cd": (36, 48), "prc_lmp": (36, 48), "prc_as": (36, 48),
                "da_hrl_lmps": (36, 48), "da_reserve_market_results": (36, 48), "da_expost_lmp": (36, 48), "asm_expost_damcp": (36, 48),
                "rt_lmp_final": (144, 192), "rt_5min_lmp": (192, 240),
                "pricing_rt_lmp_expost": (144, 192), "da_lmp_sl_baa": (36, 48), "da_lmp_sl": None, "da_mcp": (36, 48),
                "rtbm_lmp_sl": (0.5, 2), "rtbm_lmp_daily_sl": (168, 240), "rtbm_mcp": (0.5, 2), "rtbm_mcp_daily": (168, 240),
                "np6_788_cd": (0.5, 2), "prc_intvl_lmp": (0.5, 2),
                "np6_905_cd": (1, 3), "prc_rtpd_lmp": (1, 3), "rt_fivemin_hrl_lmps": (1, 3),
                "rt_hrl_lmps": (48, 96), "np4_180_er": None, "np6_785_er": None, "np4_181_er": None,
                "damlbmp_zone": (36, 48), "damlbmp_gen": None, "damasp": (36, 48), "realtime_zone": (30, 54),
                "realtime_gen": None, "rtlbmp_zone": (30, 54), "rtlbmp_gen": None, "rtasp": (30, 54),
                "da_lmp": (36, 48), "lmp_5min": (6, 12), "lmp_rt_final": (240, 336),
                "fiveminreserveprice": (240, 336), "hourlyfinalreserveprice": (240, 336)}
    got = {}
    for path in sorted((PROJECT_ROOT / "models/staging").glob("*/_*__sources.yml")):
        for source in yaml.safe_load(path.read_text())["sources"]:
            for table in source.get("tables", []):
                fmt = (table.get("meta") or {}).get("format")
                if not fmt:
                    continue
                assert "loaded_at_query" in (source.get("config") or {}), source["name"]
                f = (table.get("config") or {}).get("freshness", "missing")
                got[fmt] = None if f is None else (
                    "missing" if f == "missing" else
                    tuple(f[k]["count"] * hours[f[k]["period"]] for k in ("warn_after", "error_after")))
    assert got == expected


def test_status_names_the_quality_reports_that_exist(history):
    """Issue 20: `status` names each ISO's HTML quality report (`rollup_files/quality_report.html`, else the Markdown)
    on one line; `status ISO` gives both paths; no line when there is none."""
    folder = IsoPaths.of("ERCOT", history["base"]).rollup_files
    html, md = folder / "quality_report.html", folder / "quality_report.md"
    kept = {p: p.read_bytes() for p in (html, md) if p.exists()}  # the fixture's dbt runs wrote them

    def status(*args: str) -> list[str]:
        proc = cli(history["base"], "status", *args, "--as-of", "2024-11-11T00:00-06:00")
        assert proc.returncode == 0, proc.stderr
        return [line for line in proc.stdout.splitlines() if "quality report" in line]

    try:
        for p in (html, md):
            p.unlink(missing_ok=True)
        assert status() == [] and status("ercot") == []
        md.write_text("# quality\n")
        assert status() == [f"  quality report: {md}"]
        html.write_text("<html></html>")
        assert status() == [f"  quality report: {html}"]
        assert status("ercot") == [f"  quality report: {html}", f"  quality report: {md}"]
    finally:
        for p in (html, md):
            p.unlink(missing_ok=True)
        for p, data in kept.items():
            p.write_bytes(data)


def test_status_on_a_terminal_is_drawn_in_colour(history):
    """On a terminal (a real pseudo-terminal here) rich draws the same summary with colours: status words coloured,
    headers bold, fitted to the terminal's 150 columns."""
    import fcntl
    import pty
    import re
    import struct
    import termios

    primary, secondary = pty.openpty()
    fcntl.ioctl(secondary, termios.TIOCSWINSZ, struct.pack("HHHH", 50, 150, 0, 0))
    env = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "LINES", "NO_COLOR", "FORCE_COLOR")}
    env.update(ISO_DATA_DIR=str(history["base"]), ALERT_MIN_FREE_DISK_GB="0", TERM="xterm-256color")
    proc = subprocess.Popen([str(Path(sys.executable).with_name("iso-pipeline")), "status", "--as-of",
                             "2024-11-11T00:00-06:00"], stdout=secondary, stderr=secondary, env=env)
    os.close(secondary)
    chunks = []
    while True:
        try:
            chunk = os.read(primary, 65536)
        except OSError:  # EIO: the terminal's other end closed
            break
        if not chunk:
            break
        chunks.append(chunk)
    os.close(primary)
    assert proc.wait(timeout=60) == 0
    drawn = b"".join(chunks).decode()
    assert "\x1b[1m== ERCOT" in drawn and "\x1b[32mpass" in drawn  # bold header, green "pass"
    plain = re.sub(r"\x1b\[[0-9;]*m", "", drawn).replace("\r\n", "\n")

    def body(lines: list[str]) -> list[str]:  # without the title and the disk line (free bytes move)
        return [line.rstrip() for line in lines[1:] if not line.startswith("Disk:")]

    assert body(plain.splitlines()) == body(history["status_summary"].stdout.splitlines())


def test_tables_off_a_terminal_are_plain_and_never_wrapped():
    from ingest.monitor.common import table, to_text

    long = "x" * 300
    rows = [["DA_prices", "1,234", "error", long, "alpha beta gamma delta"], ["RT_SPP", "56", "pass", "-", "z"]]
    text = to_text(["title", table(["dataset", "files", "status", "note", "where"], rows, cut={"where": 10})],
                   color=False)
    assert text.splitlines() == [
        "title",
        "  dataset    files  status  note" + " " * 298 + "where",
        f"  DA_prices  1,234  error   {long}  alpha bet…",
        "  RT_SPP        56  pass    -" + " " * 301 + "z",
    ]
    coloured = to_text([table(["status"], [["error"], ["warn"]])], color=True)
    assert "\x1b[1;31merror" in coloured and "\x1b[33mwarn" in coloured
    assert to_text([table(["a"], [])], color=False) == "  none recorded yet"


def test_sizes_ages_and_settings_read_as_people_say_them():
    from ingest.monitor.common import fmt_age, fmt_bytes, fmt_duration

    assert [fmt_bytes(n) for n in (None, 0, 999, 1234, 14_000_000, 83.5e9)] == [
        "-", "0 Bytes", "999 Bytes", "1.2 kB", "14.0 MB", "83.5 GB"]
    hours = dt.timedelta(hours=1)
    assert [fmt_age(d) for d in (None, dt.timedelta(minutes=8), 2 * hours, 3 * 24 * hours)] == [
        "-", "8 minutes", "2 hours", "3 days"]
    assert [fmt_duration(d) for d in (None, hours / 2, hours, 36 * hours, 96 * hours)] == [
        "-", "30 minutes", "1 hour", "36 hours", "96 hours"]


def test_readers_of_the_duckdb_warehouse_say_so_when_dbt_builds_on_spark(history):
    """Issue 21, point 5: with DBT_TARGET=spark, `status`, `check` and `sql` still read the DuckDB warehouse (landing
    is recorded there; Spark's builds are not) and say so on stderr, once; without it, no such line."""
    as_of = ["--as-of", "2024-11-11T00:00-06:00"]
    for args in (["status", *as_of], ["check", *as_of], ["sql", "select 1 as one"]):
        plain = cli(history["base"], *args)
        spark = cli(history["base"], *args, env={"DBT_TARGET": "spark"})
        assert "DBT_TARGET" not in plain.stderr, (args, plain.stderr)
        assert spark.returncode == plain.returncode and spark.stdout.strip(), (args, spark.stderr)
        notes = [line for line in spark.stderr.splitlines() if line.startswith("note: DBT_TARGET=spark")]
        assert len(notes) == 1 and "builds on spark are not" in notes[0] and "running_on_a_cluster.md" in notes[0], spark.stderr
