"""The parquet_partitions contract: `dbt run-operation plan_next_build` says what the next build rewrites and why
(checked against what the build then writes), and a day-unit model's compiled SQL is what runs."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import duckdb
import pytest

from conftest import build, query
from ingest.config import IsoPaths
from ingest.dbt import run_dbt
from ingest.landing import land
from ingest.sample.ercot import generate_ercot

pytestmark = pytest.mark.e2e

DA_MODELS = ["ercot_da_prices", "ercot_flat_da_prices"]


def plan(base: Path, select: list[str] | str, full_refresh: bool = False) -> dict[str, dict]:
    """plan_next_build's answer per relation: {'ercot.da_prices': {'full', 'days', 'rewrites', 'why'}}."""
    args = f"{{select: {select if isinstance(select, str) else '[' + ', '.join(select) + ']'}" \
           f"{', full_refresh: true' if full_refresh else ''}}}"
    proc = run_dbt(["run-operation", "plan_next_build", "--args", args], base=base, capture=True,
                   env={"DBT_TARGET_PATH": str(base / "dbt_target"), "DBT_LOG_PATH": str(base / "dbt_logs")})
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    plans: dict[str, dict] = {}
    for line in proc.stdout.splitlines():
        if m := re.match(r"(\w+\.\w+) \(model \w+, one file per (day|month) in ", line):
            current = plans[m[1]] = {"why": [], "days": [], "full": False, "rewrites": ""}
        elif line.startswith("  rewrites: "):
            current["rewrites"] = line[len("  rewrites: "):]
            current["full"] = current["rewrites"].startswith("everything")
            if m := re.search(r"(\d+) day\(s\) \(([^)]*)\)", line):
                current["days"] = expand(m[2])
                assert len(current["days"]) == int(m[1]), line
        elif line.startswith("  why: "):
            current["why"].append(line[len("  why: "):])
        elif line.startswith("written whole when their inputs"):
            plans["whole"] = {"rewrites": line}
    return plans


def expand(ranges: str) -> list[str]:
    """'2024-12-20..2024-12-22, 2024-12-25' -> every day."""
    days = []
    for part in ranges.split(", "):
        first, _, last = part.partition("..")
        d, end = dt.date.fromisoformat(first), dt.date.fromisoformat(last or first)
        while d <= end:
            days.append(d.isoformat())
            d += dt.timedelta(days=1)
    return days


def last_written(base: Path, relation: str) -> list[str]:
    """The days the last export of `relation` (schema.name) wrote, from main._export_days."""
    model = '"warehouse".' + ".".join(f'"{p}"' for p in relation.split("."))
    return [d for (d,) in query(base, """select day::varchar from main._export_days where model = ? and exported_at =
                                         (select max(exported_at) from main._export_days where model = ?) order by 1""",
                                [model, model])]


def test_plan_next_build_names_what_the_build_then_rewrites(tmp_path):
    files = generate_ercot(tmp_path / "raw", start=dt.date(2024, 12, 20), days=3, datasets=("DA_prices",))
    base = tmp_path / "data"
    land("ERCOT", files[:2], base=base)  # operating days 12/20 and 12/21
    first = plan(base, DA_MODELS)
    assert first["ercot.da_prices"]["full"] and first["ercot.da_prices"]["why"] == [
        "first build: int_ercot__da_prices is not built yet (its days are known once it is)"]
    assert build(base, "--select", "tag:ercot")["__returncode__"] == 0

    # built, nothing landed since: nothing to rewrite
    idle = plan(base, "tag:ercot")
    for relation in ("ercot.da_prices", "ercot.flat_da_prices"):
        assert idle[relation]["rewrites"] == "nothing", idle[relation]
        assert idle[relation]["why"][0].startswith("nothing new"), idle[relation]
    assert "da_as_combined" in idle["whole"]["rewrites"], "Stage 4 models are written whole (when their inputs changed)"

    # a new day landed: Stage 2 rewrites that day, Stage 3 that day and the fill rule's day before it
    land("ERCOT", files, base=base)
    coming = plan(base, DA_MODELS)
    stage2, stage3 = coming["ercot.da_prices"], coming["ercot.flat_da_prices"]
    assert not stage2["full"] and stage2["days"] == ["2024-12-22"], stage2
    assert stage2["rewrites"].endswith("-> 1 file(s): year=2024/data_20241222.parquet"), stage2
    assert stage2["why"] == ["1 day(s) have rows in landed files int_ercot__da_prices has not appended yet"]
    assert not stage3["full"] and stage3["days"] == ["2024-12-21", "2024-12-22"], stage3
    assert stage3["rewrites"].endswith("in 1 month(s) (2024-12) -> 1 file(s): year=2024/data_202412.parquet"), stage3
    assert any("of the 1 day(s) da_prices rewrites first" in w for w in stage3["why"]), stage3
    assert build(base, "--select", "tag:ercot")["__returncode__"] == 0
    assert last_written(base, "ercot.da_prices") == stage2["days"]
    assert last_written(base, "ercot.flat_da_prices") == stage3["days"]

    # a day file deleted by hand: a full export, and the plan says which file is missing
    (IsoPaths.of("ERCOT", base).rollup_files / "DA_prices/year=2024/data_20241221.parquet").unlink()
    broken = plan(base, DA_MODELS)
    stage2, stage3 = broken["ercot.da_prices"], broken["ercot.flat_da_prices"]
    assert stage2["full"] and stage2["days"] == ["2024-12-20", "2024-12-21", "2024-12-22"], stage2
    assert stage2["why"] == ["the files differ from the export log (main._export_days): "
                             "missing year=2024/data_20241221.parquet"], stage2
    assert stage3["full"] and stage3["why"][0].startswith("da_prices is exported in full first"), stage3
    assert build(base, "--select", "tag:ercot")["__returncode__"] == 0
    assert last_written(base, "ercot.da_prices") == stage2["days"]
    assert last_written(base, "ercot.flat_da_prices") == stage3["days"]

    assert [p["rewrites"] for p in plan(base, DA_MODELS).values()] == ["nothing", "nothing"]
    refresh = plan(base, ["ercot_da_prices"], full_refresh=True)["ercot.da_prices"]
    assert refresh["full"] and refresh["why"] == ["--full-refresh"] and len(refresh["days"]) == 3


@pytest.mark.parametrize("model, relation", [("rollup/ercot/ercot_rt_spp", "rt_spp"),
                                             ("flattened/ercot/ercot_flat_rt_spp", "flat_rt_spp")])
def test_compiled_sql_is_what_runs(built, model, relation):
    """The SQL dbt compiles for a day-unit model (target/compiled) is the SQL the build ran (target/run), and run by
    hand in DuckDB - with the variable iso_days_to_write set to a day - it gives exactly that day's rows of the
    published files; unset, every day's."""
    compiled = (built / "dbt_target/compiled/iso_pipeline/models" / f"{model}.sql").read_text()
    ran = (built / "dbt_target/run/iso_pipeline/models" / f"{model}.sql").read_text()
    assert "getvariable('iso_days_to_write')" in compiled
    assert compiled.strip() in ran, "the build ran the compiled SQL as it is"
    day = "2024-11-03"  # the fall-back day: 25 local hours
    with duckdb.connect(str(built / "warehouse.duckdb"), read_only=True) as con:
        con.execute("set TimeZone = 'UTC'")
        published = con.execute(f"select * exclude (year) from ercot.{relation} where timezone('America/Chicago', datetime)::date"
                                f" = date '{day}' order by all").fetchall()
        everything = con.execute(f"select count(*) from ercot.{relation}").fetchone()[0]
        keep = "* exclude (year, _day)" if relation.startswith("flat_") else "* exclude (year)"
        assert con.execute(f"select count(*) from ({compiled})").fetchone()[0] == everything
        con.execute(f"set variable iso_days_to_write = [date '{day}']")
        rerun = con.execute(f"select {keep} from ({compiled}) order by all").fetchall()
    assert len(published) > 0 and rerun == published
