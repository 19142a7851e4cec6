"""The test run's parse seed (tests/python/parse_seed/sitecustomize.py) gives dbt exactly the state a full parse
would: the manifest dbt writes from a seeded partial parse for a new data directory equals a real full parse's."""

from __future__ import annotations

import json
from pathlib import Path

from conftest import SEED_ENV
from ingest.dbt import run_dbt

RUN_SPECIFIC = {"generated_at", "invocation_id", "invocation_started_at", "run_started_at", "created_at"}


def parse(base: Path, work: Path, seed: Path | None) -> str:
    """`dbt parse` on data directory `base`, target and logs in `work`; returns dbt's log."""
    env = {"DBT_TARGET_PATH": str(work / "target"), "DBT_LOG_PATH": str(work / "logs"), SEED_ENV: str(seed or "")}
    proc = run_dbt(["parse"], base=base, capture=True, env=env)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    return proc.stdout


def manifest(work: Path) -> dict:
    def strip(value):
        if isinstance(value, dict):
            return {k: strip(v) for k, v in value.items() if k not in RUN_SPECIFIC}
        if isinstance(value, list):
            return [strip(v) for v in value]
        return value
    return strip(json.loads((work / "target" / "manifest.json").read_text()))


def test_a_seeded_parse_equals_a_full_parse_of_the_new_data_directory(tmp_path):
    seed = tmp_path / "seed"
    first, second = tmp_path / "first" / "data", tmp_path / "second" / "data"

    log = parse(first, tmp_path / "first", seed)  # no template yet: a full parse, kept as the template
    assert "Starting full parse" in log, log[-2000:]
    assert (seed / "data_dir").read_text() == str(first)

    log = parse(second, tmp_path / "seeded", seed)
    assert "Starting full parse" not in log and "Unable to do partial parsing" not in log, log[-2000:]
    assert (seed / "seeded.log").read_text().split() == [str(second), str(tmp_path / "seeded" / "target")]

    log = parse(second, tmp_path / "full", None)
    assert "Starting full parse" in log, log[-2000:]
    seeded, full = manifest(tmp_path / "seeded"), manifest(tmp_path / "full")
    # the data directory is in the parsed project (else this test would prove nothing about the rewrite)
    locations = [n["config"].get("location") or "" for n in full["nodes"].values()]
    assert any(loc.startswith(str(second) + "/") for loc in locations)
    assert not any(str(first) in json.dumps(node) for node in seeded["nodes"].values())
    assert seeded == full
