"""The command line: help everywhere, clear errors, --strict, the demo's pieces."""

from __future__ import annotations

from click.testing import CliRunner

from ingest.cli import cli


def test_every_command_has_help():
    runner = CliRunner()
    top = runner.invoke(cli, ["--help"])
    assert top.exit_code == 0
    commands = sorted(cli.commands)
    assert {"land", "download", "demo", "generate-sample", "dbt"} <= set(commands)
    for name in commands:
        result = runner.invoke(cli, [name, "--help"])
        assert result.exit_code == 0, name
        assert "Usage:" in result.output and len(result.output.splitlines()) > 3, name


def test_unknown_iso_is_a_clear_error(tmp_path):
    f = tmp_path / "x.csv"
    f.write_text("a,b\n1,2\n")
    result = CliRunner().invoke(cli, ["land", "ercott", str(f)])
    assert result.exit_code == 2 and "ercott" in result.output and "ercot" in result.output


def test_land_strict_exits_non_zero_only_when_something_was_quarantined(tmp_path, monkeypatch):
    monkeypatch.setenv("ISO_DATA_DIR", str(tmp_path / "data"))
    good = tmp_path / "good" / "cdr.00012329.0000000000000000.20241020.123002.DAMCPCNP4188.csv"
    good.parent.mkdir()
    good.write_text("DeliveryDate,HourEnding,AncillaryType,MCPC,DSTFlag\r\n10/21/2024,01:00,REGUP,4.5,N\r\n")
    bad = tmp_path / "bad" / "broken_csv.zip"
    bad.parent.mkdir()
    bad.write_bytes(b"PK\x03\x04 this is not a zip")
    runner = CliRunner()
    ok = runner.invoke(cli, ["land", "ercot", str(good.parent), "--strict", "--no-progress"])
    assert ok.exit_code == 0 and "1 landed" in ok.output
    lenient = runner.invoke(cli, ["land", "ERCOT", str(bad.parent), "--no-progress"])
    assert lenient.exit_code == 0 and "1 quarantined" in lenient.output
    strict = runner.invoke(cli, ["land", "Ercot", str(bad.parent), "--strict", "--no-progress"])
    assert strict.exit_code == 1 and "corrupt" in strict.output


def test_missing_path_is_a_clear_error(tmp_path):
    result = CliRunner().invoke(cli, ["land", "ercot", str(tmp_path / "nope")])
    assert result.exit_code == 2 and "does not exist" in result.output


def test_generate_sample_for_each_iso_lands_cleanly(tmp_path, monkeypatch):
    monkeypatch.setenv("ISO_DATA_DIR", str(tmp_path / "data"))
    runner = CliRunner()
    for iso in ("ercot", "caiso", "pjm"):
        out = tmp_path / iso
        result = runner.invoke(cli, ["generate-sample", str(out), "--iso", iso, "--days", "1"])
        assert result.exit_code == 0, result.output
        assert f"{iso.upper()} files" in result.output and any(out.iterdir())
        landed = runner.invoke(cli, ["land", iso, str(out), "--strict", "--no-progress"])
        assert landed.exit_code == 0 and "0 quarantined" in landed.output, landed.output


def test_iso_pipeline_dbt_passes_everything_through(tmp_path):
    """`iso-pipeline dbt build --select tag:ercot` (its own help's example) and `iso-pipeline dbt --version` reach dbt
    as typed; only a bare `iso-pipeline dbt --help` is ours."""
    import os
    import subprocess
    import sys

    env = {**os.environ, "ISO_DATA_DIR": str(tmp_path / "data"), "DBT_TARGET_PATH": str(tmp_path / "target"),
           "DBT_LOG_PATH": str(tmp_path / "logs")}

    def run(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-m", "ingest.cli", "dbt", *args], capture_output=True, text=True,
                              env=env, cwd=tmp_path)

    version = run("--version")
    assert version.returncode == 0 and "installed:" in version.stdout, version.stdout + version.stderr
    listed = run("ls", "--select", "tag:ercot", "--resource-type", "seed", "--quiet")
    assert listed.returncode == 0, listed.stdout + listed.stderr
    assert "iso_pipeline.iso_reports" in listed.stdout.split()
    ours = CliRunner().invoke(cli, ["dbt", "--help"])
    assert ours.exit_code == 0 and "as typed" in ours.output


def test_download_help_lists_every_dataset_of_every_iso():
    import csv

    from ingest.config import PROJECT_ROOT

    text = " ".join(CliRunner().invoke(cli, ["download", "--help"]).output.split())
    rows = list(csv.DictReader((PROJECT_ROOT / "seeds" / "iso_reports.csv").open()))
    assert rows and all(r["dataset"] in text and f"{r['iso']}:" in text for r in rows)
    assert "RT_5min" in text and "RT_hourly" in text


def test_demo_summary_is_a_plain_table_off_a_terminal(built):
    """The demo's closing summary (rich, through monitor.common.to_text): per ISO a row per Stage 2 dataset with its
    rows, first and last interval and points, then the output folders; plain text in a pipe, bold headers on a
    terminal."""
    from conftest import query
    from ingest.demo import _summary
    from ingest.monitor.common import fmt_time

    lines = _summary(built, ["ERCOT"], color=False).splitlines()
    assert lines[:2] == ["", "ERCOT"]
    assert lines[2].split() == ["dataset", "rows", "first", "interval", "(UTC)", "last", "interval", "(UTC)", "points"]
    for name, key in (("da_prices", "settlement_point"), ("rt_prices", "settlement_point"),
                      ("rt_spp", "settlement_point"), ("as_prices", "as_product")):
        ((n, lo, hi, k),) = query(built, f"select count(*), min(datetime), max(datetime), count(distinct {key}) "
                                         f"from ercot.{name}")
        (row,) = [line for line in lines if line.split()[:1] == [name]]
        assert row.split() == [name, f"{n:,}", *fmt_time(lo).split(), *fmt_time(hi).split(), str(k)], row
    assert any(line.startswith("  outputs: ") and line.endswith("ERCOT_data/rollup_files") for line in lines)
    assert any(line.split()[:1] == ["combined/analysis_ready/"] and "FULL_DATASET.parquet" in line for line in lines)
    assert "\x1b" not in "\n".join(lines) and all(line == line.rstrip() for line in lines)
    assert "\x1b[1mdataset" in _summary(built, ["ERCOT"], color=True)
