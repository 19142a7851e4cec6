"""The `iso-pipeline` command line."""

from __future__ import annotations

import datetime as dt
import logging
import os
import sys
from pathlib import Path

import click

from . import __version__
from .config import checkout_problem, cli_names, normalise_iso

#: Why this install cannot run (not a checkout: ingest/config.py); the commands then say so instead of running.
NOT_A_CHECKOUT = checkout_problem()
ISO_CHOICE = click.Choice(sorted(cli_names()) if NOT_A_CHECKOUT is None else [], case_sensitive=False)


def _datasets_help() -> str:
    """Every ISO's datasets, from the report table (seeds/iso_reports.csv): `download --help` lists them all."""
    from .reports import load_reports

    if NOT_A_CHECKOUT:
        return "The dataset (this install is not in a checkout: run any command to see why)."
    by_iso: dict[str, list[str]] = {}
    for r in load_reports():
        if r.dataset not in by_iso.setdefault(r.iso, []):
            by_iso[r.iso].append(r.dataset)
    return "; ".join(f"{iso}: {', '.join(sorted(ds))}" for iso, ds in by_iso.items()) + "."


def _iso(ctx, param, value):  # click callback: normalise the ISO name
    return normalise_iso(value) if value else value


AS_OF_FORMATS = ("a date or a time such as 2024-11-10, 2024-11-10T12:00 or 2024-11-10T12:00-06:00 "
                 "(UTC unless an offset is given)")


def _as_of(ctx, param, value: str | None) -> dt.datetime | None:
    """click callback: --as-of (else $ISO_PIPELINE_NOW) as an aware UTC time; one line and exit 2 when unreadable."""
    from .monitor.common import NOW_ENV, parse_time

    given, text = ("--as-of", value) if value else (f"${NOW_ENV}", os.environ.get(NOW_ENV, "").strip())
    if not text:
        return None
    try:
        return parse_time(text)
    except (ValueError, OverflowError):
        raise _failure(f"cannot read {given} {text!r}: expected {AS_OF_FORMATS}", 2) from None


def _failure(message: str, exit_code: int) -> click.ClickException:
    """A ClickException: `Error: <message>` on one line of stderr, then exit `exit_code`."""
    exc = click.ClickException(message)
    exc.exit_code = exit_code
    return exc


def _lock_failure(exc: Exception) -> click.ClickException:
    """A writer that did not get the data directory (ingest/lock.py): its one line, exit 75 (try again later)."""
    return _failure(str(exc), getattr(exc, "exit_code", 1))


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="iso-pipeline")
@click.option("-v", "--verbose", is_flag=True, help="Log every file (default: warnings and the summary).")
def cli(verbose: bool) -> None:
    """Raw ISO price files in, verified analysis-ready parquet out (dbt + DuckDB).

    Data lives under $ISO_DATA_DIR (default: data/ in the project).
    """
    logging.basicConfig(level=logging.INFO if verbose else logging.WARNING,
                        format="%(levelname)s %(name)s: %(message)s")
    if NOT_A_CHECKOUT:
        raise _failure(NOT_A_CHECKOUT, 2)


@cli.command()
@click.argument("iso", type=ISO_CHOICE, callback=_iso)
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
@click.option("--source", help="Record this as the source (e.g. the URL) of every input instead of its path.")
@click.option("--strict", is_flag=True, help="Exit non-zero when anything was quarantined.")
@click.option("--no-progress", is_flag=True, help="No progress bar.")
@click.option("--no-wait", is_flag=True,
              help="When another writer (a landing, a dbt run) has the data directory, exit at once with code 75 "
                   "instead of waiting up to $ISO_PIPELINE_LOCK_TIMEOUT seconds (default 600).")
def land(iso: str, paths: tuple[Path, ...], source: str | None, strict: bool, no_progress: bool,
         no_wait: bool) -> None:
    """Land raw files or folders (zips, nested zips, tar/tgz, .xlsx, CSVs) for ISO.

    Originals are kept under raw_downloads/, CSVs written to csv_files/<dataset>/, rejects to quarantine/.
    Already-landed content is skipped, so rerunning is always safe. One writer at a time: a landing waits for
    another landing or a dbt run on the same data directory (exit 75 when it gives up).
    """
    from .landing import LandingError
    from .landing import land as do_land
    from .lock import LockError

    try:
        summary = do_land(iso, list(paths), source=source, progress=not no_progress, wait=not no_wait)
    except LockError as exc:
        raise _lock_failure(exc) from None
    except LandingError as exc:  # a full disk or an unusable limit setting: one line, exit 1
        raise click.ClickException(str(exc)) from None
    click.echo(summary.render())
    if strict and summary.quarantined:
        sys.exit(1)


@cli.command()
@click.argument("iso", type=ISO_CHOICE, callback=_iso)
@click.option("--dataset", required=True, help=_datasets_help())
@click.option("--start", type=click.DateTime(["%Y-%m-%d"]),
              help="First operating day (default: the day after the last complete one; required the first time).")
@click.option("--end", type=click.DateTime(["%Y-%m-%d"]), help="Last operating day, inclusive (default: today).")
@click.option("--no-progress", is_flag=True, help="No progress bars.")
def download(iso: str, dataset: str, start: dt.datetime | None, end: dt.datetime | None, no_progress: bool) -> None:
    """Download DATASET for operating days START..END from the ISO, then land it.

    Base URLs and credentials come from environment variables (see docs/downloading.md).
    """
    from .download import DownloadError, run_download
    from .lock import LockError

    try:
        summary = run_download(iso, dataset, start.date() if start else None, end.date() if end else None,
                               progress=not no_progress)
    except DownloadError as exc:
        raise click.ClickException(str(exc)) from None
    except LockError as exc:
        raise _lock_failure(exc) from None
    click.echo(summary.render())
    if summary.failed:
        sys.exit(1)


@cli.command()
@click.option("--skip-build", is_flag=True, help="Only generate and land the sample.")
def demo(skip_build: bool) -> None:
    """Generate the bundled sample, land it, run `dbt build`, print a summary. No network needed."""
    from .demo import run_demo
    from .lock import LockError

    try:
        code = run_demo(build=not skip_build)
    except LockError as exc:
        raise _lock_failure(exc) from None
    sys.exit(code)


@cli.command("generate-sample")
@click.argument("out_dir", type=click.Path(path_type=Path))
@click.option("--iso", "iso", type=ISO_CHOICE, callback=_iso, default="ercot", show_default=True)
@click.option("--start", type=click.DateTime(["%Y-%m-%d"]), default="2024-10-21", show_default=True)
@click.option("--days", type=int, default=21, show_default=True)
@click.option("--seed", type=int, default=7, show_default=True)
def generate_sample(out_dir: Path, iso: str, start: dt.datetime, days: int, seed: int) -> None:
    """Write the deterministic sample of ISO (its real file formats) into OUT_DIR; then `iso-pipeline land ISO OUT_DIR`."""
    from .sample import GENERATORS

    files = GENERATORS[iso](out_dir, start=start.date(), days=days, seed=seed)
    click.echo(f"wrote {len(files)} {iso} files to {out_dir}")


@cli.command()
@click.argument("iso", type=ISO_CHOICE, callback=_iso)
@click.option("--force", is_flag=True, help="Build even when nothing changed since the last build.")
def build(iso: str, force: bool) -> None:
    """The everyday build of ISO: `dbt build --select tag:<iso>`, skipped (in well under a second) when nothing it
    reads changed since the last successful one: no file landed or replaced, its outputs as that build left them,
    the project and the engine unchanged, no other dbt run of the ISO since (ingest/update.py). Anything else:
    `iso-pipeline dbt build ...`."""
    from . import catalog
    from .config import data_dir
    from .dbt import run_dbt
    from .lock import LockError
    from .update import current_state, record, up_to_date

    base = data_dir().expanduser().resolve()
    selection = f"--select tag:{catalog.isos()[iso].dbt_tag}"
    done = None if force else up_to_date(base, iso, selection)
    if done is not None:
        click.echo(f"{iso}: nothing changed since the last build (dbt run {done.run_id}): nothing to do "
                   "(--force builds anyway)")
        return
    before = current_state(base, iso, selection)
    try:
        proc = run_dbt(["build", *selection.split()])
    except LockError as exc:
        raise _lock_failure(exc) from None
    if proc.returncode == 0 and before is not None:
        record(base, iso, before)
    sys.exit(proc.returncode)


@cli.command(context_settings={"ignore_unknown_options": True, "allow_interspersed_args": False})
@click.argument("dbt_args", nargs=-1, type=click.UNPROCESSED)
def dbt(dbt_args: tuple[str, ...]) -> None:
    """Run dbt in the project with the data directory set (e.g. `iso-pipeline dbt build --select tag:ercot`).

    Everything after `dbt` goes to dbt as typed (`--select`, `--version`, `build --help`); only a bare
    `iso-pipeline dbt --help` shows this text. dbt's colours are on only on a terminal (or as DBT_USE_COLORS says)."""
    from .dbt import run_dbt
    from .lock import LockError

    try:
        proc = run_dbt(list(dbt_args))
    except LockError as exc:
        raise _lock_failure(exc) from None
    sys.exit(proc.returncode)


@cli.command()
@click.option("--no-serve", is_flag=True, help="Only generate the site, print where it is and exit (CI, tests).")
@click.option("--port", type=int, default=0, show_default="a free port", help="Port to serve on.")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to serve on (loopback: offline, local only).")
@click.option("--select", "select", metavar="SELECTOR",
              help="Compile and catalog only these nodes, e.g. tag:ercot when only ERCOT was built (the site lists all).")
@click.option("--target-path", type=click.Path(file_okay=False, path_type=Path),
              help="dbt target folder to write the site to (default: $DBT_TARGET_PATH or target/).")
@click.option("--no-progress", is_flag=True, help="No progress (default: a live line on a terminal, else a line per step).")
def docs(no_serve: bool, port: int, host: str, select: str | None, target_path: Path | None, no_progress: bool) -> None:
    """Generate the dbt docs site (lineage, models, columns, tests, macros) and serve it offline.

    Writes index.html (served here) and static_index.html (one file that opens from disk without a server).
    Build first (`iso-pipeline demo` or `dbt build`) for compiled SQL and the columns of every table. dbt's steps
    show on stderr while it works; the site's paths and URL print on stdout.
    """
    from .docs import DocsError, Progress, generate, serve, url_of

    try:
        with Progress("off" if no_progress else "auto") as progress:
            site = generate(target=target_path, select=select, progress=progress)
    except DocsError as exc:
        raise click.ClickException(str(exc)) from exc
    if site.fallback_reason:
        click.echo(f"note: generated without compiled SQL because {site.fallback_reason}. "
                   "Build everything first (`iso-pipeline demo`, `dbt build`), or pass --select for what you built "
                   "(e.g. --select tag:ercot).")
    click.echo(f"site: {site.index}")
    click.echo(f"single file, opens without a server: {site.static_index.as_uri()}")
    if no_serve:
        return
    server = serve(site.target, host, port)
    click.echo(f"serving the docs at {url_of(server)}  (Ctrl-C to stop)")
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()


@cli.command()
@click.argument("iso", required=False, type=ISO_CHOICE, callback=_iso)
@click.option("--as-of", callback=_as_of,
              help="Judge as of this time (UTC unless an offset is given; default $ISO_PIPELINE_NOW or now).")
@click.option("-v", "--verbose", is_flag=True,
              help="Every detail for every ISO (the default when an ISO is named): each report format with its "
                   "freshness thresholds, the last run per stage, error rates, storage per area, every alert.")
def status(iso: str | None, as_of: dt.datetime | None, verbose: bool) -> None:
    """One screen: per ISO the last landing and dbt run, alerts, storage, one row per dataset; `status ISO` or
    --verbose: every detail. Exit 0 when the warehouse could be read (alerts or not: `check` judges), 2 when not
    (no warehouse, or in use), as `check`."""
    from .monitor.common import WarehouseUnavailable
    from .monitor.status import render_status

    try:
        click.echo(render_status(iso, as_of, verbose=True if verbose else None))
    except WarehouseUnavailable as exc:  # the same line and exit code as `check`
        click.echo(f"status: {exc}", err=True)
        sys.exit(2)


@cli.command()
@click.argument("iso", required=False, type=ISO_CHOICE, callback=_iso)
@click.option("--as-of", callback=_as_of,
              help="Judge as of this time (UTC unless an offset is given; default $ISO_PIPELINE_NOW or now).")
@click.option("--json", "as_json", is_flag=True, help="Print the alerts as JSON (the webhook's body).")
def check(iso: str | None, as_of: dt.datetime | None, as_json: bool) -> None:
    """Evaluate the alerts; exit 1 when any fires (2 when the warehouse cannot be read).

    Missing expected files, schema changes, unusual prices, vanished settlement points, a failed last run, low
    disk. With $ALERT_WEBHOOK_URL set, fired alerts are also POSTed there as JSON.
    """
    from .monitor.alerts import run_check

    sys.exit(run_check(iso, as_of, as_json=as_json, echo=click.echo, echo_err=lambda m: click.echo(m, err=True)))


@cli.command()
@click.argument("query")
@click.option("--format", "fmt", type=click.Choice(["table", "csv", "json"]), default="table", show_default=True,
              help="table: the first 40 rows and a count; csv: every row with a header; json: one object per line.")
def sql(query: str, fmt: str) -> None:
    """Run one SQL QUERY on the warehouse (read-only) and print the result.

    \b
    iso-pipeline sql "select * from marts.ercot_hub_daily_peak_prices limit 5"
    iso-pipeline sql "select * from read_parquet('data/ERCOT_data/rollup_files/DA_prices/*/*.parquet') limit 5"
    iso-pipeline sql --format csv "select * from ercot.da_prices" > da.csv

    Times print in UTC. Exit 1 when DuckDB rejects the query, 2 when the warehouse cannot be read (none yet, or a
    dbt run holds it), as `status`.
    """
    from .monitor.common import WarehouseUnavailable
    from .sql import QueryError, run_query

    try:
        run_query(query, fmt)
    except WarehouseUnavailable as exc:
        click.echo(f"sql: {exc}", err=True)
        sys.exit(2)
    except QueryError as exc:
        raise click.ClickException(str(exc)) from None


@cli.command()
@click.argument("iso")
@click.option("--check", is_flag=True, help="Write nothing; exit 1 when a generated file is missing or out of date.")
@click.option("--project-dir", type=click.Path(file_okay=False, exists=True, path_type=Path), default=None,
              help="The dbt project to write into (default: this one).")
def scaffold(iso: str, check: bool, project_dir: Path | None) -> None:
    """Write ISO's Stage 2-4 models, tests and dbt_project.yml lines from the registry.

    ISO is a row of seeds/isos.csv; its datasets are the rows of seeds/datasets.csv; its staging folder
    models/staging/<iso>/ is yours. Files this command wrote before are rewritten; a file without its first-line
    mark is never touched. See docs/adding_an_iso.md.
    """
    from .config import PROJECT_ROOT
    from .scaffold import ScaffoldError
    from .scaffold import scaffold as run_scaffold

    project = (project_dir or PROJECT_ROOT).resolve()
    try:
        changes = run_scaffold(iso, project, check=check)
    except (ScaffoldError, ValueError) as exc:
        raise _failure(str(exc), 2) from None
    for c in changes:
        if c.action != "unchanged":
            click.echo(f"{c.action:9} {c.path.relative_to(project)}")
    stale = [c for c in changes if c.action in ("missing", "differs")]
    unchanged = sum(c.action == "unchanged" for c in changes)
    click.echo(f"scaffold {iso}: {len(changes)} files, {unchanged} up to date"
               + (f", {len(stale)} to (re)generate: run `iso-pipeline scaffold {iso}`" if stale else ""))
    if stale:
        sys.exit(1)


@cli.command()
@click.argument("iso", type=ISO_CHOICE, callback=_iso)
@click.argument("dataset")
@click.argument("path", type=click.Path(exists=True, path_type=Path))
@click.option("--map", "maps", multiple=True, metavar="OLD=NEW",
              help="Call their column OLD by our name NEW (datetime, datetime_local, settlement_point, da_lmp, ...); "
                   "repeatable.")
@click.option("--timezone", "timezone", metavar="ZONE",
              help="Zone of naive local times in their files (default: the ISO's, seeds/isos.csv; UTC for UTC).")
@click.option("--tolerance", type=float, default=0.005, show_default=True,
              help="Largest absolute difference that still counts as equal.")
@click.option("--out", type=click.Path(file_okay=False, path_type=Path),
              help="Folder for reconcile.md, reconcile.html, summary.json (default: <ISO>_data/reconcile/... under "
                   "the data directory).")
@click.option("--only-their-points", is_flag=True, help="Compare only the points (or products) their data has.")
@click.option("--all-days", is_flag=True, help="Compare every day of both sides (default: the days theirs spans).")
def reconcile(iso: str, dataset: str, path: Path, maps: tuple[str, ...], timezone: str | None, tolerance: float,
              out: Path | None, only_their_points: bool, all_days: bool) -> None:
    """Compare our Stage 2 of ISO DATASET with the data at PATH (CSV or parquet, a file or a folder).

    Reads gridstatus output, this project's Stage 2 / Stage 3 files and the ISOs' own CSV exports without options
    (the layout is detected from the columns and printed), anything else with --map. Matches on UTC interval start
    and point; writes a Markdown and an HTML report and summary.json. Exit 0 when they match, 1 when they differ,
    2 on bad input. See docs/reconcile.md.
    """
    from .reconcile import ReconcileError
    from .reconcile import reconcile as run_reconcile

    try:
        outcome = run_reconcile(iso, dataset, path, maps=maps, timezone=timezone, tolerance=tolerance, out=out,
                                only_their_points=only_their_points, all_days=all_days)
    except ReconcileError as exc:
        raise _failure(str(exc), 2) from None
    for line in outcome.lines:
        click.echo(line)
    sys.exit(outcome.exit_code)


def main() -> None:
    cli()


if __name__ == "__main__":  # pragma: no cover
    main()
