"""The landing record (csv_files/metadata.json) grows by appending: a landing run copies it byte for byte and adds
its entries, one per line, never parsing or rewriting the history (ingest/registry.py). Older pretty-printed records
are read and appended to; a warehouse copy that fell behind is rebuilt whole; an unreadable record stops landing
with one line and lands nothing."""

from __future__ import annotations

import json

import duckdb
import pytest
from test_landing import MIS_DA, da_csv, mis_zip

from conftest import landed_entries, query
from ingest.config import IsoPaths
from ingest.landing import LandingError, land


def delivery(folder, day: int, price: float = 20.0):
    """One ERCOT day-ahead MIS zip for 2024-10-<day> (its own name and content: its own registry entry)."""
    folder.mkdir(parents=True, exist_ok=True)
    stem = MIS_DA.replace("20241020", f"202410{day:02d}")
    return mis_zip(folder / f"{stem}_csv.zip", stem, da_csv(f"10/{day:02d}/2024", price + day))


def warehouse_rows(base) -> list[tuple]:
    return query(base, "select sha256, landing_seq, path, rows from landing.landed_files where iso = 'ERCOT' "
                       "order by landing_seq")


def record_rows(base) -> list[tuple]:
    return sorted(((e["sha256"], e["landing_seq"], e["path"], e["rows"]) for e in landed_entries(base)),
                  key=lambda r: r[1])


@pytest.mark.parametrize("kernel_copy", [True, False], ids=["copy_file_range", "read-write"])
def test_a_landing_appends_to_the_record_without_rewriting_it(tmp_path, base, monkeypatch, kernel_copy):
    if not kernel_copy:  # an OS or filesystem without copy_file_range: the record is copied by hand, the same bytes
        monkeypatch.delattr("os.copy_file_range", raising=False)
    land("ERCOT", [delivery(tmp_path / "in", d) for d in (21, 22)], base=base)
    meta = IsoPaths.of("ERCOT", base).metadata_json
    before = meta.read_bytes()
    land("ERCOT", [delivery(tmp_path / "in2", d) for d in (23, 24, 25)], base=base)
    after = meta.read_bytes()

    assert before.endswith(b"\n]\n")
    assert after.startswith(before[:-len(b"\n]\n")])  # the first run's entries, byte for byte
    lines = after.decode().splitlines()
    assert lines[0] == "[" and lines[-1] == "]" and len(lines) == 2 + 5  # one entry per line
    assert all(json.loads(line.removesuffix(",")) for line in lines[1:-1])
    entries = landed_entries(base)
    assert [e["landing_seq"] for e in entries] == [1, 2, 3, 4, 5]
    assert [e["file_name"][30:38] for e in entries] == [f"202410{d}" for d in (21, 22, 23, 24, 25)]
    assert warehouse_rows(base) == record_rows(base)
    # a run that lands nothing leaves the record as it was
    land("ERCOT", [delivery(tmp_path / "in", 21)], base=base)
    assert meta.read_bytes() == after


@pytest.mark.parametrize("versions", [True, False], ids=["pretty-printed", "without-landing-order"])
def test_a_record_written_by_an_older_version_is_read_and_appended_to(tmp_path, base, versions):
    """Older versions wrote the record whole, pretty-printed (indent=1) in path order; the oldest had no
    published_at or landing_seq (given on the next landing, by landing time then path)."""
    land("ERCOT", [delivery(tmp_path / "in", d) for d in (22, 21)], base=base)
    meta = IsoPaths.of("ERCOT", base).metadata_json
    old = sorted(landed_entries(base), key=lambda e: e["path"])
    if not versions:
        for e in old:
            del e["landing_seq"], e["published_at"]
    meta.write_text(json.dumps(old, indent=1))

    land("ERCOT", [delivery(tmp_path / "in2", 23)], base=base)
    entries = landed_entries(base)
    assert sorted(e["landing_seq"] for e in entries) == [1, 2, 3]
    assert all(e["published_at"] for e in entries)
    assert {e["sha256"] for e in entries} >= {e["sha256"] for e in old}
    assert max(entries, key=lambda e: e["landing_seq"])["file_name"][30:38] == "20241023"
    assert warehouse_rows(base) == record_rows(base)


def test_a_warehouse_copy_behind_the_record_is_rebuilt_whole(tmp_path, base):
    """A crash between writing metadata.json and its warehouse copy leaves the warehouse short: the next landing
    sees the count differ and copies the whole record, not just its own entries."""
    land("ERCOT", [delivery(tmp_path / "in", d) for d in (21, 22, 23)], base=base)
    with duckdb.connect(str(base / "warehouse.duckdb")) as con:
        con.execute("delete from landing.landed_files where landing_seq = 2")
    assert len(warehouse_rows(base)) == 2
    land("ERCOT", [delivery(tmp_path / "in2", 24)], base=base)
    assert len(warehouse_rows(base)) == 4 and warehouse_rows(base) == record_rows(base)


@pytest.mark.parametrize("damage", ["truncated", "not-json"])
def test_an_unreadable_record_stops_landing_with_one_line(tmp_path, base, damage):
    land("ERCOT", [delivery(tmp_path / "in", 21)], base=base)
    paths = IsoPaths.of("ERCOT", base)
    text = paths.metadata_json.read_text()
    paths.metadata_json.write_text(text[: len(text) // 2] if damage == "truncated" else "landed: yes\n")
    landed_before = sorted(paths.csv_files.rglob("*.csv"))

    with pytest.raises(LandingError, match="is not a readable registry") as err:
        land("ERCOT", [delivery(tmp_path / "in2", 22)], base=base)
    assert "\n" not in str(err.value) and "nothing was landed" in str(err.value)
    assert sorted(paths.csv_files.rglob("*.csv")) == landed_before
