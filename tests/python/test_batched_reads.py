"""More landed files to read than ISO_BUILD_FILES_PER_READ: the intermediate models read them in batches.

DuckDB's CSV reader keeps a few KB per file of one read outside its memory cap (3.8 GB RSS for the first build of a
515,000-file history), so a build reads at most that many files per statement (macros landed_files_variables and
read_batches). The batches must give exactly the rows one read gives: on a first build and on an incremental one,
for a model reading two formats (SPP's RT prices: 5-minute interval files and daily roll-ups), where a batch holds
the files of one format only and the other is skipped.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from conftest import build, query
from ingest.landing import land
from ingest.sample.spp import generate_spp

pytestmark = pytest.mark.e2e

D = dt.date
DAYS = [D(2025, 3, 8), D(2025, 3, 9), D(2025, 3, 10)]  # the spring-forward day (276 interval files) in the middle
RT = ("RT_prices", "RT_AS_prices")
#: the RT models through Stage 2, with their tests (rows_match_registry: every landed file's rows, once)
STAGE2 = ("--select", "+spp_rt_prices", "+spp_rt_as_prices")
INTERMEDIATE = ["int_spp__rt_prices", "int_spp__rt_as_prices"]


def rows(base: Path, model: str) -> list[tuple]:
    """Every row of an intermediate model, sorted, but its load time and version key (the landing time of each
    warehouse's own landing where the file names carry no publish time)."""
    cols = [c for (c,) in query(base, "select column_name from duckdb_columns() where schema_name = 'spp' and "
                                      "table_name = ? and column_name not in ('_loaded_at', 'version_key') "
                                      "order by column_index", [model])]
    return query(base, f"select {', '.join(cols)} from spp.{model} order by all")


def test_batched_reads_equal_one_read(tmp_path, monkeypatch):
    published = tmp_path / "published"
    # day 1: roll-ups; days 2 and 3: 5-minute interval files (RT prices and RT reserve MCPs), landed a day later
    generate_spp(published, start=DAYS[0], days=2, interval_days=[DAYS[1]], datasets=RT)
    later = tmp_path / "later"
    generate_spp(later, start=DAYS[2], days=1, interval_days=[DAYS[2]], datasets=RT)
    one, batched = tmp_path / "one", tmp_path / "batched"
    for base in (one, batched):
        land("SPP", [published], base=base)

    monkeypatch.delenv("ISO_BUILD_FILES_PER_READ", raising=False)
    first = build(one, *STAGE2)
    assert first["__returncode__"] == 0, first["__log__"][-4000:]
    monkeypatch.setenv("ISO_BUILD_FILES_PER_READ", "100")
    first_batched = build(batched, *STAGE2)
    assert first_batched["__returncode__"] == 0, first_batched["__log__"][-4000:]
    log = (batched / "dbt_logs" / "dbt.log").read_text()
    # the roll-up (1 file) and 276 interval files of RT prices: 3 batches, the first holding both formats
    assert "int_spp__rt_prices: reading landed files, batch 3 of 3" in log
    assert "batch 4 of" not in log
    for model in INTERMEDIATE:
        expected = rows(one, model)
        assert expected and rows(batched, model) == expected, model
    (n_rt,) = query(one, "select count(*) from spp.rt_prices")[0]
    assert n_rt > 0

    # a later day: 288 new interval files, read incrementally in batches too
    for base in (one, batched):
        land("SPP", [later], base=base)
    monkeypatch.delenv("ISO_BUILD_FILES_PER_READ")
    assert build(one, *STAGE2)["__returncode__"] == 0
    monkeypatch.setenv("ISO_BUILD_FILES_PER_READ", "100")
    size = len(log)
    again = build(batched, *STAGE2)
    assert again["__returncode__"] == 0, again["__log__"][-4000:]
    log = (batched / "dbt_logs" / "dbt.log").read_text()[size:]
    assert "int_spp__rt_prices: reading landed files, batch 3 of 3" in log
    for model in INTERMEDIATE:
        assert rows(batched, model) == rows(one, model), model
    loaded = "select model, path from main._loaded_files order by all"
    assert query(batched, loaded) == query(one, loaded)
    # Stage 2 of both warehouses, file for file
    stage2 = sorted(p.relative_to(one) for p in (one / "SPP_data" / "rollup_files").rglob("*.parquet"))
    assert stage2 == sorted(p.relative_to(batched) for p in (batched / "SPP_data" / "rollup_files").rglob("*.parquet"))
    for rel in stage2:
        if "flattened" in str(rel) or "combined" in str(rel):
            continue
        a = query(one, f"select * from read_parquet('{one / rel}') order by all")
        b = query(one, f"select * from read_parquet('{batched / rel}') order by all")
        assert a == b, rel
