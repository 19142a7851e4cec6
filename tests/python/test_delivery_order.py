"""Which delivery wins: the ISO's publication order, wherever the data directory lives; a tie is an error.

A correction of an ERCOT DAM file is landed after the original. Stage 2 must hold the correction's price whether
the data directory stayed in place or was copied elsewhere before the correction came (the version used to be
the landed file's absolute path, so a copied directory could let the older delivery win with every test green).
"""

from __future__ import annotations

import json
import shutil
import zipfile
from pathlib import Path

import pytest

from conftest import build, query
from ingest.config import IsoPaths
from ingest.landing import land
from ingest.registry import read_record
from ingest.sample.ercot import generate_ercot


def correction_of(raw: Path, out: Path) -> tuple[Path, float, float]:
    """A plain-CSV correction of the sample's DAM file: HB_NORTH at HE 10:00 gets 900 added, as ERCOT re-published."""
    zpath = next(p for p in sorted(raw.iterdir()) if "DAMSPNP4190" in p.name)
    with zipfile.ZipFile(zpath) as zf:
        member = zf.namelist()[0]
        lines = zf.read(member).decode().splitlines()
    old = new = None
    for i, line in enumerate(lines):
        cells = line.split(",")
        if cells[1:3] == ["10:00", "HB_NORTH"]:
            old = float(cells[3])
            new = round(old + 900, 2)
            cells[3] = f"{new:.2f}"
            lines[i] = ",".join(cells)
    assert old is not None
    out.mkdir(parents=True, exist_ok=True)
    target = out / member  # the same name as the original member: only the landing order tells them apart
    target.write_text("\r\n".join(lines) + "\r\n")
    return target, old, new


# the sample's DA and AS files only: Stage 2 DA and AS, what they depend on, and their tests are built
DA_AS = ("--select", "+ercot_da_prices", "+ercot_as_prices")


def hb_north_he10(base: Path) -> list[float]:
    """HB_NORTH at HE 10:00 of the sample's first day (the day of its first DAM file)."""
    return [r[0] for r in query(base, """
        select da_lmp from ercot.da_prices
        where settlement_point = 'HB_NORTH' and datetime_local = timestamp '2024-10-21 09:00'""")]


@pytest.fixture(scope="module")
def raw(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("raw")
    generate_ercot(folder, days=2, datasets=("DA_prices", "AS_prices"), n_nodes=3)
    return folder


def test_the_correction_wins_after_the_data_directory_was_copied(tmp_path, raw):
    # "zz" sorts after "aa": with the old path-based version the copy's original delivery beat the correction
    in_place = tmp_path / "zz_in_place"
    land("ERCOT", [raw], base=in_place)
    assert build(in_place, *DA_AS)["__returncode__"] == 0
    moved = tmp_path / "aa_moved"
    shutil.copytree(in_place, moved)

    fix, old, new = correction_of(raw, tmp_path / "correction")
    assert hb_north_he10(in_place) == [old]
    for base in (in_place, moved):
        summary = land("ERCOT", [fix], base=base)
        assert summary.n_landed == 1
        statuses = build(base, *DA_AS)
        assert statuses["__returncode__"] == 0, statuses["__log__"][-3000:]
        assert hb_north_he10(base) == [new]
        view = query(base, "select sql from duckdb_views() where schema_name = 'ercot' and view_name = 'da_prices'")
        assert str(base / "ERCOT_data") in view[0][0]  # the view reads this directory's files

    def stage2(base: Path) -> set[tuple]:
        return set(query(base, "select * exclude (source_file) from ercot.da_prices")) | set(
            query(base, "select * exclude (source_file) from ercot.as_prices"))

    assert stage2(in_place) == stage2(moved)
    files = {b: sorted(p.relative_to(b).as_posix() for p in (b / "ERCOT_data/rollup_files").rglob("*.parquet"))
             for b in (in_place, moved)}
    assert files[in_place] == files[moved] and files[in_place]


def test_the_version_is_the_publication_not_the_path(tmp_path, raw):
    base = tmp_path / "data"
    land("ERCOT", [raw], base=base)
    entries = read_record(IsoPaths.of("ERCOT", base))
    # every sample file is an ERCOT MIS zip: its publish time comes from the cdr. name (Central time -> UTC)
    assert all(e["published_at"] for e in entries)
    da = next(e for e in entries if e["dataset"] == "DA_prices")
    stamp = da["archive_chain"][0].split(".")[3:5]  # cdr.<type>.<16>.<YYYYMMDD>.<HHMMSS>
    assert da["published_at"].startswith(f"{stamp[0][:4]}-{stamp[0][4:6]}-{stamp[0][6:]}T")
    assert sorted(e["landing_seq"] for e in entries) == list(range(1, len(entries) + 1))


def test_a_landed_file_edited_to_hold_two_rows_of_one_key_fails_the_everyday_build(tmp_path, raw):
    """A landed file edited by hand to hold two prices for one key: `dbt build --select tag:ercot` fails on the
    row-count test (the file has a row the registry did not count at landing), naming the file, and Stage 2 is not
    built from it. (Before the row-count tests carried their ISO's tag they did not run in this build, and
    unique_grain caught the pair only in Stage 2; a delivery that really holds two rows of one key is
    test_stage2.py's test_a_failing_integrity_test_is_run_again_until_the_data_is_fixed.)"""
    base = tmp_path / "data"
    land("ERCOT", [raw], base=base)
    fix, _old, new = correction_of(raw, tmp_path / "correction")
    land("ERCOT", [fix], base=base)
    landed = next(p for p in (base / "ERCOT_data/csv_files/DA_prices").rglob("*.csv") if "__" in p.name)
    lines = landed.read_text().splitlines()
    dup = next(line for line in lines if ",10:00,HB_NORTH," in line)
    lines.append(dup.replace(f"{new:.2f}", "1.00"))  # the same file says two things about one key
    landed.write_text("\n".join(lines) + "\n")

    statuses = build(base, "--select", "tag:ercot")
    assert statuses["__returncode__"] != 0
    failed = [name for name, s in statuses.items() if s in ("fail", "error") and not name.startswith("__")]
    assert [n for n in failed if n.startswith("rows_match_registry_int_ercot__da_prices")] == [
        n for n in statuses if n.startswith("rows_match_registry_int_ercot__da_prices_count___np4_190_cd")], failed
    assert statuses["ercot_da_prices"] == "skipped"
    results = json.loads((base / "dbt_target" / "run_results.json").read_text())["results"]
    [test] = [r for r in results if "rows_match_registry_int_ercot__da_prices_count___np4_190_cd" in r["unique_id"]]
    relative = landed.relative_to(base / "ERCOT_data").as_posix()
    assert query(base, test["compiled_code"]) == [("ERCOT", "DA_prices", relative, len(lines) - 2, len(lines) - 1)]


def test_a_registry_mirrored_before_publication_versions_still_orders_by_landing_time(tmp_path, raw):
    """A warehouse upgraded from a version without `published_at` / `landing_seq` (its mirror of metadata.json has
    NULLs there until the next landing rewrites it): deliveries are ordered by landing time, never tied."""
    import duckdb

    base = tmp_path / "data"
    land("ERCOT", [raw], base=base)
    fix, _old, new = correction_of(raw, tmp_path / "correction")
    land("ERCOT", [fix], base=base)
    with duckdb.connect(str(base / "warehouse.duckdb")) as con:
        con.execute("update landing.landed_files set published_at = null, landing_seq = null")
    statuses = build(base, *DA_AS)
    assert statuses["__returncode__"] == 0, statuses["__log__"][-3000:]
    assert hb_north_he10(base) == [new]
