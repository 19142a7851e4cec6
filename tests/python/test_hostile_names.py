"""No SQL is built from unescaped text: quotes, spaces and non-ASCII letters in member names and in ISO_DATA_DIR.

Member names come from whoever made the archive and the data directory from the user; a `'` in either used to
break every later build with a parser error. Here both carry one, through landing, a full build and an incremental
build (the path where landed file names are put into SQL lists).
"""

from __future__ import annotations

import zipfile
from pathlib import Path

from conftest import build, query
from ingest.landing import land
from ingest.sample.ercot import generate_ercot

HOSTILE = "O'Brien \u00e9t\u00e9 \"q\""  # a quote, spaces, non-ASCII letters, a double quote


def renamed_members(raw: Path, out: Path) -> list[Path]:
    """Each sample zip re-packed with its CSV member renamed to carry HOSTILE (the report token stays in the name)."""
    out.mkdir(parents=True, exist_ok=True)
    paths = []
    for src in sorted(raw.iterdir()):
        with zipfile.ZipFile(src) as zf:
            (member,) = zf.namelist()
            data = zf.read(member)
        target = out / src.name.replace("_csv.zip", f" {HOSTILE}_csv.zip")
        with zipfile.ZipFile(target, "w") as zf:
            zf.writestr(member.replace(".csv", f"_{HOSTILE}.csv"), data)
        paths.append(target)
    return paths


def test_quotes_and_non_ascii_in_names_and_data_dir_build_end_to_end(tmp_path, monkeypatch):
    raw = tmp_path / "raw"
    generate_ercot(raw, days=2, datasets=("DA_prices", "AS_prices"), n_nodes=3)
    hostile = renamed_members(raw, tmp_path / "hostile")
    first = [p for p in hostile if ".20241020." in p.name]  # published the day before: operating day 10/21
    second = [p for p in hostile if p not in first]
    assert first and second

    base = tmp_path / "it's a d\u00eer \u00e9" / "data"
    monkeypatch.setenv("ISO_DATA_DIR", str(base))
    summary = land("ERCOT", first, base=base)
    assert summary.n_landed == len(first) and not summary.quarantined
    landed = list((base / "ERCOT_data/csv_files").rglob("*.csv"))
    assert landed and all(HOSTILE in p.name for p in landed)

    statuses = build(base, "--select", "tag:ercot")
    assert statuses["__returncode__"] == 0, statuses["__log__"][-4000:]
    days = query(base, "select distinct datetime_local::date::varchar from ercot.da_prices order by 1")
    assert days == [("2024-10-21",)]

    land("ERCOT", second, base=base)  # the incremental build puts these names into SQL lists
    statuses = build(base, "--select", "tag:ercot")
    assert statuses["__returncode__"] == 0, statuses["__log__"][-4000:]
    days = query(base, "select distinct datetime_local::date::varchar from ercot.da_prices order by 1")
    assert days == [("2024-10-21",), ("2024-10-22",)]
    files = query(base, "select distinct source_file from ercot.da_prices")
    assert files and all(HOSTILE in f for (f,) in files)
    assert (base / "ERCOT_data/rollup_files/gaps_report.md").exists()
