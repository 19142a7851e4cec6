"""One registry of ISOs and datasets (seeds/isos.csv, seeds/datasets.csv): consistent with the report table, read
the same way by Python and dbt, and the only place an ISO list or a time zone is written."""

from __future__ import annotations

import csv
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import project_copy
from ingest.catalog import load_datasets, load_isos
from ingest.config import PROJECT_ROOT, cli_names, normalise_iso
from ingest.dbt import dbt_executable
from ingest.monitor.cadence import CADENCES
from ingest.reports import load_reports

SEEDS = PROJECT_ROOT / "seeds"


def test_every_dataset_has_reports_and_every_report_a_dataset():
    datasets = {(d.iso, d.dataset) for d in load_datasets()}
    reports = {(r.iso, r.dataset) for r in load_reports()}
    assert datasets == reports
    assert set(load_isos()) == {iso for iso, _ in datasets}
    formats = {(r.iso, r.format) for r in load_reports()}
    assert set(CADENCES) <= formats, "a cadence names a report format the report table does not have"


def test_the_cli_takes_its_iso_names_from_the_registry():
    assert cli_names() == {i.cli_name: i.iso for i in load_isos().values()}
    assert normalise_iso("Ercot") == "ERCOT"
    with pytest.raises(ValueError, match="expected one of ercot, caiso, pjm, miso, spp, nyiso, isone"):
        normalise_iso("ercott")
    help_text = subprocess.run([sys.executable, "-m", "ingest.cli", "land", "--help"], capture_output=True,
                               text=True, check=True).stdout
    assert "{caiso|ercot|isone|miso|nyiso|pjm|spp}" in help_text


def test_a_malformed_registry_row_is_a_clear_error(tmp_path):
    seeds = tmp_path / "seeds"
    shutil.copytree(SEEDS, seeds)
    text = (seeds / "isos.csv").read_text().replace("America/Chicago", "America/Nowhere")
    (seeds / "isos.csv").write_text(text)
    with pytest.raises(Exception, match="Nowhere"):
        load_isos(seeds)
    (seeds / "isos.csv").write_text((SEEDS / "isos.csv").read_text().replace("PJM,pjm,pjm,", "PJM,pjm,pjm_rto,"))
    with pytest.raises(ValueError, match="PJM dbt_tag 'pjm_rto' must be 'pjm'"):
        load_isos(seeds)
    shutil.copy(SEEDS / "isos.csv", seeds / "isos.csv")
    rows = list(csv.DictReader((SEEDS / "datasets.csv").open()))
    rows[0]["wide_columns"] = "<as_product>"  # not the dataset's key
    with (seeds / "datasets.csv").open("w", newline="") as fh:
        writer = csv.DictWriter(fh, rows[0].keys())
        writer.writeheader()
        writer.writerows(rows)
    with pytest.raises(ValueError, match="wide_columns must name every key column"):
        load_datasets(seeds)


def _code_files() -> list[Path]:
    roots = ["ingest", "macros", "models", "tests/generic", "benchmarks"]
    scratch = PROJECT_ROOT / "benchmarks" / "work"  # the benchmark's generated corpus and runs (gitignored), not code
    files = [p for r in roots for p in (PROJECT_ROOT / r).rglob("*")
             if p.suffix in (".py", ".sql") and scratch not in p.parents]
    return files + [PROJECT_ROOT / "dbt_project.yml"]


def test_no_other_file_writes_a_time_zone():
    """Time zones are data: seeds/isos.csv. Code asks catalog.timezone() / macro iso_timezone()."""
    zone = re.compile(r"['\"](America|US|Pacific|Etc)/\w+['\"]")
    offenders = [f"{p.relative_to(PROJECT_ROOT)}:{n}" for p in _code_files()
                 for n, line in enumerate(p.read_text().splitlines(), 1) if zone.search(line)]
    assert offenders == []


def test_no_other_file_lists_the_isos():
    """An ISO list in code (`['ercot', 'caiso', 'pjm']`, `{"ERCOT": ..., "CAISO": ..., "PJM": ...}`) goes stale when
    an ISO is added; the registry's order is the one order (monitoring, alerts, the CLI)."""
    names = [i.iso for i in load_isos().values()]
    quoted = r"['\"](" + "|".join(names) + r")['\"]"
    pattern = re.compile(r"[\[({]\s*" + quoted + r"\s*,\s*" + quoted, re.I)
    offenders = [f"{p.relative_to(PROJECT_ROOT)}:{n}: {line.strip()}" for p in _code_files()
                 for n, line in enumerate(p.read_text().splitlines(), 1) if pattern.search(line)]
    assert offenders == []


def test_python_and_dbt_read_the_same_time_zone(tmp_path):
    """dbt's macro iso_timezone answers from the seed, so a changed row changes what dbt compiles."""
    env_base = tmp_path / "data"
    full_env = {**os.environ, "ISO_DATA_DIR": str(env_base), "DBT_TARGET_PATH": str(tmp_path / "target"),
                "DBT_LOG_PATH": str(tmp_path / "logs")}
    env_base.mkdir()
    run = [dbt_executable(), "--no-use-colors"]
    seed = subprocess.run([*run, "seed", "--select", "isos", "--project-dir", str(PROJECT_ROOT),
                           "--profiles-dir", str(PROJECT_ROOT)], cwd=PROJECT_ROOT, env=full_env,
                          capture_output=True, text=True)
    assert seed.returncode == 0, seed.stdout[-3000:]
    proc = subprocess.run([*run, "run-operation", "show_registry", "--project-dir", str(PROJECT_ROOT),
                           "--profiles-dir", str(PROJECT_ROOT)], cwd=PROJECT_ROOT, env=full_env,
                          capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout[-3000:]
    shown = [line.split()[-4:] for line in proc.stdout.splitlines() if line.split()[-1:] and "tag:" in line]
    assert shown == [[i.iso, i.timezone, i.time_convention, f"tag:{i.dbt_tag}"] for i in load_isos().values()]


def test_a_column_mapping_row_that_disagrees_fails_the_build(tmp_path):
    """Seed iso_column_mappings is checked against the sources (mappings_match_sources) and each staging model
    (mappings_match_staging): a row naming a standard column the staging model does not produce, a row whose
    type disagrees with the source declaration, and a row of a format no source declares, fail `dbt build`."""
    project = project_copy(tmp_path)
    with (project / "seeds/iso_column_mappings.csv").open("a") as fh:
        fh.write("PJM,da_hrl_lmps,total_lmp_da,da_price_typo,DOUBLE\n")  # no such standard column
        fh.write("PJM,da_hrl_lmps,pnode_id,pnode_id,VARCHAR\n")  # the source reads it as BIGINT
        fh.write("PJM,da_hrl_lmps_typo,total_lmp_da,da_lmp,DOUBLE\n")  # no source declares this format
    env = {**os.environ, "ISO_DATA_DIR": str(tmp_path / "data"), "DBT_TARGET_PATH": str(tmp_path / "target"),
           "DBT_LOG_PATH": str(tmp_path / "logs")}
    (tmp_path / "data").mkdir()
    proc = subprocess.run([dbt_executable(), "--no-use-colors", "build", "--select", "iso_column_mappings", "isos",
                           "stg_pjm__da_hrl_lmps", "--project-dir", str(project), "--profiles-dir", str(project)],
                          cwd=project, env=env, capture_output=True, text=True)
    assert proc.returncode == 1, proc.stdout[-3000:]
    results = {r["unique_id"].split(".")[2]: r for r in
               __import__("json").loads((tmp_path / "target/run_results.json").read_text())["results"]}
    failed = {name: r["failures"] for name, r in results.items() if r["status"] == "fail"}
    assert failed == {"mappings_match_sources_iso_column_mappings_": 2, "mappings_match_staging_stg_pjm__da_hrl_lmps_": 1}


def test_every_test_runs_in_the_everyday_build_of_some_iso(tmp_path):
    """`dbt build --select tag:<iso>` is the documented build, and `indirect_selection: cautious` runs a test only
    when every parent is selected: each data and unit test must be selected by some ISO's tag, or it never runs
    there. The one exception is the cross-ISO view's tests (the view is built with `--select +cross_iso_prices`).
    The row-count tests (rows_match_registry) also read the landing registry, which no tag selects: until they were
    tagged with their ISO (tests/generic/rows_match_registry.sql), none of the 35 ran in the everyday build."""
    env = {**os.environ, "ISO_DATA_DIR": str(tmp_path / "data"), "DBT_TARGET_PATH": str(tmp_path / "target"),
           "DBT_LOG_PATH": str(tmp_path / "logs")}

    def listed(*select: str) -> set[str]:
        proc = subprocess.run([dbt_executable(), "--no-use-colors", "ls", "--quiet", *select, "--resource-type", "test",
                               "--resource-type", "unit_test", "--project-dir", str(PROJECT_ROOT),
                               "--profiles-dir", str(PROJECT_ROOT)], cwd=PROJECT_ROOT, env=env,
                              capture_output=True, text=True)
        assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-2000:]
        return set(proc.stdout.split())

    every = listed()
    tagged = listed("--select", *(f"tag:{i.dbt_tag}" for i in load_isos().values()))
    registry_tests = {t for t in every if ".rows_match_registry_" in t}
    assert len(registry_tests) >= 30 and registry_tests <= tagged
    assert {t.split(".")[1] for t in every - tagged} == {"cross_iso"}, sorted(every - tagged)[:10]
