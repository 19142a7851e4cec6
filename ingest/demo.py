"""`iso-pipeline demo`: the bundled sample through every stage, with a one-screen summary."""

from __future__ import annotations

import json
import time
from pathlib import Path

import click
import duckdb

from . import sample
from .config import IsoPaths, data_dir
from .dbt import run_dbt
from .landing import land
from .lock import writer_lock


def _summary(base: Path, isos: list[str], color: bool | None = None) -> str:
    """Per ISO a table of its Stage 2 datasets (rows, first and last interval, points) and its output folders, drawn
    by rich (monitor.common.to_text: plain text off a terminal)."""
    from .monitor.common import fmt_time, table, to_text

    parts: list = []
    con = duckdb.connect(str(base / "warehouse.duckdb"), read_only=True)
    con.execute("set TimeZone = 'UTC'")
    for iso in isos:
        schema = iso.lower()
        tables = [r[0] for r in con.execute(
            "select table_name from information_schema.tables where table_schema = ? order by 1", [schema]
        ).fetchall()]
        rows = []
        for name in ("da_prices", "rt_prices", "rt_spp", "rt_5min", "rt_hourly", "as_prices"):
            if name not in tables:
                continue
            key = "as_product" if name == "as_prices" else "settlement_point"
            n, lo, hi, k = con.execute(
                f"select count(*), min(datetime), max(datetime), count(distinct {key}) from {schema}.{name}"
            ).fetchone()
            rows.append([name, f"{n:,}", fmt_time(lo), fmt_time(hi), k])
        parts += ["", iso, table(["dataset", "rows", "first interval (UTC)", "last interval (UTC)", "points"], rows)]
        paths = IsoPaths.of(iso, base)
        parts.append(f"  outputs: {paths.rollup_files}")
        folders = [[sub + "/", ", ".join(sorted(p.name for p in (paths.rollup_files / sub).iterdir()))]
                   for sub in ("flattened", "combined/yearly", "combined/monthly", "combined/analysis_ready")
                   if (paths.rollup_files / sub).exists()]
        if folders:
            parts.append(table(["folder", "files"], folders, indent=4, header=False))
        for report in ("gaps_report.md", "quality_report.md", "quality_report.html"):
            if (paths.rollup_files / report).exists():
                parts.append(f"    {report}")
    con.close()
    return to_text(parts, color)


def _test_results(project_target: Path) -> str:
    results = project_target / "run_results.json"
    if not results.exists():
        return ""
    data = json.loads(results.read_text())
    counts: dict[str, int] = {}
    for r in data.get("results", []):
        if r["unique_id"].startswith("test."):
            counts[r["status"]] = counts.get(r["status"], 0) + 1
    return "dbt tests: " + ", ".join(f"{v} {k}" for k, v in sorted(counts.items()))


def closing_commands(base: Path) -> list[str]:
    """The commands the demo's summary ends with (tests/python/test_documented_commands.py runs each). File paths
    are relative to the data directory, which `iso-pipeline sql` resolves them against (from any directory)."""
    stage2 = IsoPaths.of("ERCOT", base).rollup_files.relative_to(base) / "DA_prices"
    return [
        "iso-pipeline sql \"select * from ercot.da_prices where settlement_point = 'HB_NORTH' limit 5\"",
        f"iso-pipeline sql \"select * from read_parquet('{stage2}/*/*.parquet', hive_partitioning=true) limit 5\"",
    ]


def run_demo(build: bool = True, base: Path | None = None) -> int:
    """Generate, land and build the sample under `base`, holding the data directory's writer lock throughout (waiting
    for another writer as ingest/lock.py says; lock.Busy when it stays taken)."""
    base = base or data_dir()
    with writer_lock(base, "demo"):
        return _run_demo(build, base)


def _run_demo(build: bool, base: Path) -> int:
    started = time.monotonic()
    click.echo(f"data directory: {base}")
    generated = base / "sample_raw"
    isos: list[str] = []
    for iso, generate in sample.GENERATORS.items():
        folder = generated / iso
        files = generate(folder)
        click.echo(f"{iso}: generated {len(files)} raw files in {folder}")
        summary = land(iso, [folder], base=base, progress=True)
        click.echo(summary.render())
        isos.append(iso)
    if build:
        click.echo("running dbt build (Stages 2-4 and tests) ...")
        proc = run_dbt(["build"], base=base)
        if proc.returncode != 0:
            click.echo(f"dbt build failed (exit {proc.returncode}); see the log above and logs/dbt.log", err=True)
            return proc.returncode
    click.echo(_summary(base, isos))
    import os

    from .config import PROJECT_ROOT

    click.echo(_test_results(Path(os.environ.get("DBT_TARGET_PATH") or PROJECT_ROOT / "target")))
    click.echo(f"\ndone in {time.monotonic() - started:.0f}s. Query it with the DuckDB installed here, e.g.")
    for command in closing_commands(base):
        click.echo(f"  {command}")
    return 0
