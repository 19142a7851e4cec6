"""Hostile deliveries: what lands always builds (issue 17, points 3, 5 and 10).

A catalogue of CSVs that used to land and then break every build, or land wrong: each is landed through `land`
on a real DuckDB and either lands with the right rows or goes to quarantine with a reason that names the line and
value, the two row counts, or the duplicated key. Nothing is lost: every CSV handed over is registered in
metadata.json or quarantined, and csv_files/ holds exactly the registered files.

Also here: `normalise` reads CSV as CSV (a quoted line break is not a record) and keeps every file the old line
splitter handled byte for byte (the registry's sha256 dedupe depends on it); the validation reads the dbt sources'
own read_csv options; every seed row key is declared by its source; every intermediate model that reads landed
CSVs carries rows_match_registry, which fails (small dbt builds) on a landed CSV that lost a row after landing, also
when it only compares what came since the last passing build.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import os
import random
import re
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pytest
import yaml

from conftest import REAL, build, query
from ingest import repeated_hour, reports
from ingest.archives import Member, iter_members
from ingest.config import PROJECT_ROOT, IsoPaths
from ingest.landing import land
from ingest.sample import GENERATORS
from ingest.textfile import NormalisedCsv, NotCsv, detect_encoding, looks_like_markup, normalise
from ingest.validate import (
    BATCH_FILES,
    Invalid,
    Validator,
    check_sql,
    joined_csv,
    joined_options,
    read_csv_options,
    source_options,
    validate,
)

DA_HEADER = "DeliveryDate,HourEnding,SettlementPoint,SettlementPointPrice,DSTFlag"
SPP_HEADER = ("DeliveryDate,DeliveryHour,DeliveryInterval,SettlementPointName,SettlementPointType,"
              "SettlementPointPrice,DSTFlag")
FIFTY_MB = 50 * 1024 * 1024


# -- the old normalise: the byte-identity reference ---------------------------------------------------------------
def old_normalise(raw: bytes) -> NormalisedCsv:
    """ingest/textfile.py `normalise` before issue 17 (split on line ends), copied unchanged."""
    if not raw.strip():
        raise NotCsv("empty file")
    if b"\x00" in raw[:4096] and not raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise NotCsv("binary content, not a CSV")
    encoding = detect_encoding(raw)
    try:
        text = raw.decode(encoding)
    except (UnicodeDecodeError, LookupError) as exc:  # pragma: no cover - charset_normalizer picked badly
        raise NotCsv(f"cannot decode as {encoding}: {exc}") from exc
    text = text.lstrip("\ufeff")
    if looks_like_markup(text):
        raise NotCsv("an HTML/XML page (probably an error page), not a CSV")
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    header_line, _, body = text.partition("\n")
    header = [c.strip() for c in next(csv.reader([header_line]))]
    if len(header) < 2:
        raise NotCsv(f"header has {len(header)} column(s): not a delimited file")
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerow(header)
    lines = [line for line in body.split("\n") if line.strip()]
    rows = len(lines)
    if rows == 0:
        raise NotCsv("empty: header only, no data rows")
    out.write("\n".join(lines))
    out.write("\n")
    return NormalisedCsv(out.getvalue().encode("utf-8"), encoding.replace("_", "-"), header, rows)


# -- files ---------------------------------------------------------------------------------------------------------
def text_of(header: str, rows: list[str], crlf: bool = True) -> bytes:
    end = "\r\n" if crlf else "\n"
    return (end.join([header, *rows]) + end).encode()


def da_rows(day: str = "10/21/2024", point: str = "HB_NORTH") -> list[str]:
    return [f"{day},{h:02d}:00,{point},{20 + h:.2f},N" for h in range(1, 25)]


def fall_back_rows(second_flag: str) -> list[str]:
    """2024-11-03, ERCOT's fall-back day: HE 02:00 twice, the repeated one flagged `second_flag` (ERCOT: Y)."""
    rows = []
    for h in range(1, 25):
        rows.append(f"11/03/2024,{h:02d}:00,HB_NORTH,{20 + h:.2f},N")
        if h == 2:
            rows.append(f"11/03/2024,02:00,HB_NORTH,21.50,{second_flag}")
    return rows


def spp_rows(second_type: str) -> list[str]:
    """One NP6-905-CD interval: a hub, and load zone LZ_NORTH twice, as LZ and as `second_type`."""
    return ["10/21/2024,1,1,HB_NORTH,HU,21.86,N", "10/21/2024,1,1,LZ_NORTH,LZ,22.1,N",
            f"10/21/2024,1,1,LZ_NORTH,{second_type},22.11,N"]


def replace_row(rows: list[str], index: int, row: str) -> list[str]:
    return rows[:index] + [row] + rows[index + 1:]


def mis_name(n: int, token: str = "DAMSPNP4190") -> str:
    return f"cdr.00012331.0000000000000000.202410{n:02d}.123005.{token}.csv"


def landed(base: Path, iso: str = "ERCOT") -> list[dict]:
    meta = IsoPaths.of(iso, base).metadata_json
    return json.loads(meta.read_text()) if meta.exists() else []


def quarantined(base: Path, iso: str = "ERCOT") -> list[dict]:
    q = IsoPaths.of(iso, base).quarantine
    return [json.loads(p.read_text()) for p in sorted(q.glob("*.reason.json"))] if q.exists() else []


def assert_nothing_lost(base: Path, names: set[str], iso: str = "ERCOT") -> None:
    """Every CSV handed over is registered or quarantined, and csv_files/ holds exactly the registered files."""
    paths = IsoPaths.of(iso, base)
    entries = landed(base, iso)
    accounted = {e["archive_chain"][-1] for e in entries} | {q["name"] for q in quarantined(base, iso)}
    assert names <= accounted, names - accounted
    on_disk = {p.relative_to(paths.root).as_posix() for p in paths.csv_files.rglob("*")
               if p.is_file() and p.name != "metadata.json"}
    assert on_disk == {e["path"] for e in entries}  # no orphan, no .part left behind


# -- normalise: CSV records, not lines -----------------------------------------------------------------------------
def test_a_quoted_line_break_is_part_of_its_field_not_a_new_row():
    raw = b'a,b\n1,"x\n\ny\nz"\n'
    old = old_normalise(raw)  # the old line splitter: one record became three rows, and lost its blank line
    assert old.rows == 3 and b"x\ny" in old.data
    got = normalise(raw)
    assert got.rows == 1 and got.data == raw
    assert list(csv.reader(io.StringIO(got.data.decode(), newline=""))) == [["a", "b"], ["1", "x\n\ny\nz"]]


def test_line_ends_become_lf_between_records_only():
    raw = b'a,b\r\n1,"x\r\ny"\r\n2,z\r3,w\r\n\r\n   \r\n4,""\r\n'
    got = normalise(raw)
    assert got.data == b'a,b\n1,"x\r\ny"\n2,z\n3,w\n4,""\n'  # quoted CRLF kept; blank records dropped
    assert got.rows == 4


def test_a_field_beyond_the_csv_module_limit_is_read_and_the_limit_restored():
    limit = csv.field_size_limit()
    raw = b'a,b\n1,"' + b"x" * (limit + 10) + b'"\n'
    assert normalise(raw).rows == 1
    assert csv.field_size_limit() == limit


def test_the_header_is_still_trimmed_and_rewritten():
    assert normalise(b' a ,"b"\n1,2\n').data == b"a,b\n1,2\n"


@pytest.fixture(scope="module")
def sample_members(tmp_path_factory, ercot_raw) -> list[Member]:
    """Every CSV of the generated ERCOT, CAISO and PJM samples (ingest.sample GENERATORS) and the real fixtures."""
    folders = {"ERCOT": ercot_raw}
    for iso, generate in GENERATORS.items():
        if iso not in folders:
            folders[iso] = tmp_path_factory.mktemp(f"sample_{iso}")
            generate(folders[iso])
    files = [f for folder in [*folders.values(), REAL] for f in sorted(folder.rglob("*")) if f.is_file()
             and f.suffix != ".md"]
    members = [m for f in files for m in iter_members(f.name, f.read_bytes()) if isinstance(m, Member)]
    assert {iso for iso in GENERATORS} == set(folders)
    return members


def quote_fourth_field(raw: bytes) -> bytes:
    """The same CSV with the fourth field of every data row in quotes (still one line per record)."""
    lines = raw.decode("utf-8-sig").splitlines(keepends=True)
    out = [lines[0]]
    for line in lines[1:]:
        body = line.rstrip("\r\n")
        cells = body.split(",")
        if len(cells) > 3:
            cells[3] = f'"{cells[3]}"'
        out.append(",".join(cells) + line[len(body):])
    return "".join(out).encode()


def test_every_generated_and_real_sample_lands_byte_for_byte_as_before(sample_members):
    assert len(sample_members) > 8000
    for m in sample_members:
        try:
            old = old_normalise(m.data)
        except NotCsv:
            with pytest.raises(NotCsv):
                normalise(m.data)
            continue
        new = normalise(m.data)
        assert (new.data, new.rows, new.header, new.encoding) == (old.data, old.rows, old.header, old.encoding), m.name


def test_quoted_fields_without_line_breaks_land_byte_for_byte_as_before(sample_members):
    """The CSV-reader path (any `"` in the file) gives the old bytes too when no quoted field spans lines."""
    quoted = [quote_fourth_field(m.data) for m in sample_members[::25] if m.name.endswith(".csv")]
    assert len(quoted) > 300 and all(b'"' in q for q in quoted)
    for q in quoted:
        try:
            old = old_normalise(q)
        except NotCsv:  # a file whose header comes after a preamble (MISO): landed through ingest/preambles.py
            with pytest.raises(NotCsv):
                normalise(q)
            continue
        new = normalise(q)
        assert (new.data, new.rows) == (old.data, old.rows)


# -- the catalogue -------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Case:
    """A hostile delivery and what must become of it: `rows` landed, or quarantined with `reason` in the reason."""

    file_name: str
    data: Callable[[], bytes]
    rows: int | None = None
    reason: tuple[str, ...] = ()


CASES = {
    "N/A in a price": Case(
        mis_name(1), lambda: text_of(DA_HEADER, replace_row(da_rows(), 4, "10/21/2024,05:00,HB_NORTH,N/A,N")),
        reason=("Line: 6", '"N/A"', "SettlementPointPrice", "DOUBLE")),
    "thousands separator in a price": Case(
        mis_name(2), lambda: text_of(DA_HEADER, replace_row(da_rows(), 6, '10/21/2024,07:00,HB_NORTH,"1,234.5",N')),
        reason=("Line: 8", '"1,234.5"', "SettlementPointPrice")),
    "stray CR splits a line": Case(
        mis_name(3), lambda: text_of(DA_HEADER, replace_row(da_rows(), 2, "10/21/2024,03:00,HB_NO\rRTH,23.00,N")),
        reason=("Line: 4", "10/21/2024,03:00,HB_NO", "Expected Number of Columns: 5 Found: 3")),
    "quoted line break in a name": Case(
        mis_name(4), lambda: text_of(DA_HEADER, [r.replace("HB_NORTH", '"HB\r\nNORTH"') for r in da_rows()]),
        rows=24),
    "50 MB field on the last line": Case(
        mis_name(5), lambda: text_of(DA_HEADER, replace_row(da_rows(), 23, f"10/21/2024,24:00,{'X' * FIFTY_MB},1.00,N")),
        reason=("reads 23 row(s) where the CSV has 24 record(s)",)),
    "50 MB field mid-file": Case(
        mis_name(6), lambda: text_of(DA_HEADER, replace_row(da_rows(), 2, f"10/21/2024,03:00,{'X' * FIFTY_MB},1.00,N")),
        reason=("Line: 4", "Maximum line size")),
    "fall-back day, repeated hour flagged N twice": Case(
        mis_name(7), lambda: text_of(DA_HEADER, fall_back_rows("N")),
        reason=("2 rows for one row key", "DeliveryDate=2024-11-03", "HourEnding=02:00", "SettlementPoint=HB_NORTH",
                "DSTFlag=N")),
    "fall-back day, repeated hour flagged Y": Case(mis_name(8), lambda: text_of(DA_HEADER, fall_back_rows("Y")), rows=25),
    "glob characters in the name": Case(
        "DAMSPNP4190_[1]*?.csv", lambda: text_of(DA_HEADER, da_rows("10/19/2024")), rows=24),
    "one load zone as LZ and as LZEW": Case(
        "cdr.00012301.0000000000000000.20241021.001651.SPPHLZNP6905_20241021_0015.csv",
        lambda: text_of(SPP_HEADER, spp_rows("LZEW")), rows=3),
    "one load zone as LZ twice": Case(
        "cdr.00012301.0000000000000000.20241021.003151.SPPHLZNP6905_20241021_0030.csv",
        lambda: text_of(SPP_HEADER, spp_rows("LZ")),
        reason=("SettlementPointName=LZ_NORTH", "SettlementPointType=LZ", "DeliveryHour=1", "DeliveryDate=2024-10-21")),
}


@pytest.mark.parametrize("case", CASES.values(), ids=CASES.keys())
def test_hostile_delivery_lands_right_or_is_quarantined_with_a_reason(tmp_path, base, case):
    (tmp_path / "in").mkdir()
    hostile = tmp_path / "in" / case.file_name
    hostile.write_bytes(case.data())
    good = tmp_path / "in" / mis_name(20)
    good.write_bytes(text_of(DA_HEADER, da_rows("10/20/2024")))
    summary = land("ercot", [tmp_path / "in"], base=base)
    by_name = {e["archive_chain"][-1]: e for e in landed(base)}
    assert by_name[good.name]["rows"] == 24  # the good file lands whatever happens to the other
    if case.rows is not None:
        assert not summary.quarantined, summary.render()
        entry = by_name[case.file_name]
        text = (IsoPaths.of("ERCOT", base).root / entry["path"]).read_bytes().decode()
        assert entry["rows"] == case.rows == len(list(csv.reader(io.StringIO(text, newline="")))) - 1
        assert all(r in text for r in case.data().decode().split("\r\n")[1:])  # every record kept as delivered
    else:
        assert case.file_name not in by_name
        [record] = quarantined(base)
        assert record["name"] == case.file_name and record["format"] and record["dataset"]
        assert "\n" not in record["reason"] and len(record["reason"]) < 800, record["reason"]
        for part in case.reason:
            assert part in record["reason"], record["reason"]
        kept = [p for p in IsoPaths.of("ERCOT", base).quarantine.iterdir() if not p.name.endswith(".json")]
        assert [p.stat().st_size for p in kept] == [hostile.stat().st_size]  # the original, kept whole
    assert_nothing_lost(base, {case.file_name, good.name})


def test_the_whole_catalogue_in_one_delivery_loses_nothing(tmp_path, base):
    folder = tmp_path / "delivery"
    folder.mkdir()
    for case in CASES.values():
        (folder / case.file_name).write_bytes(case.data())
    summary = land("ercot", [folder], base=base)
    expected_landed = {c.file_name for c in CASES.values() if c.rows is not None}
    assert {e["archive_chain"][-1] for e in landed(base)} == expected_landed
    assert len(summary.quarantined) == len(CASES) - len(expected_landed)
    assert_nothing_lost(base, {c.file_name for c in CASES.values()})
    # landing again changes nothing: the landed files are skipped, the hostile ones quarantined again (same record)
    again = land("ercot", [folder], base=base)
    assert again.n_landed == 0 and again.n_skipped == len(expected_landed)
    assert len(quarantined(base)) == len(CASES) - len(expected_landed)


def test_an_unregistered_landed_csv_left_by_a_stopped_run_is_validated_too(tmp_path, base):
    """A run stopped between writing a CSV and writing the registry leaves the file in csv_files/, unregistered; the
    next landing of the same delivery validates it in place: a bad one is removed (the dbt glob would read it)."""
    folder = IsoPaths.of("ERCOT", base).csv_files / "DA_prices" / "np4_190_cd"
    folder.mkdir(parents=True)
    bad = text_of(DA_HEADER, fall_back_rows("N"))
    good = text_of(DA_HEADER, fall_back_rows("Y"))
    (folder / mis_name(7)).write_bytes(normalise(bad).data)
    (folder / mis_name(8)).write_bytes(normalise(good).data)
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / mis_name(7)).write_bytes(bad)
    (tmp_path / "in" / mis_name(8)).write_bytes(good)
    summary = land("ercot", [tmp_path / "in"], base=base)
    assert [q[0] for q in summary.quarantined] == [mis_name(7)] and "DSTFlag=N" in summary.quarantined[0][1]
    assert not (folder / mis_name(7)).exists() and [e["file_name"] for e in landed(base)] == [mis_name(8)]
    assert_nothing_lost(base, {mis_name(7), mis_name(8)})


def test_real_fixtures_still_land_and_the_lz_lzew_pairs_with_them(base):
    spp = next((REAL / "ercot").rglob("*SPPHLZNP6905*.csv"))
    types = {}
    for r in csv.DictReader(spp.open(newline="")):
        types.setdefault(r["SettlementPointName"], set()).add(r["SettlementPointType"])
    assert types["LZ_AEN"] == {"LZ", "LZEW"}  # one name, two types, one interval: what the key must allow
    ercot = land("ercot", [REAL / "ercot"], base=base)
    assert [q[0] for q in ercot.quarantined] == ["Hub_Name_AND_DC_Ties_06112026_122819.csv"]  # not a price report
    pjm = land("pjm", [REAL / "pjm"], base=base)
    assert not pjm.quarantined and pjm.n_landed == 3
    by_name = {e["file_name"]: e for e in landed(base)}
    assert by_name[spp.name]["rows"] == sum(1 for _ in csv.DictReader(spp.open(newline="")))
    names = {f.name for f in (REAL / "ercot").rglob("*.csv")}
    assert_nothing_lost(base, names)


def test_generated_samples_of_every_iso_land_without_quarantine(tmp_path_factory):
    """Every ISO's generator, on the days around the 2024-11-03 fall-back day (repeated hours, both flags)."""
    for iso, generate in GENERATORS.items():
        raw, base = tmp_path_factory.mktemp(f"raw_{iso}"), tmp_path_factory.mktemp(f"data_{iso}")
        generate(raw, start=dt.date(2024, 11, 2), days=3)
        summary = land(iso, [raw], base=base)
        assert summary.n_landed > 0 and not summary.quarantined, summary.render()
        assert_nothing_lost(base, set(), iso)


# -- batches: many files a query, the same verdicts ----------------------------------------------------------------
def da_delivery(folder: Path, n: int, spoil: dict[int, Callable[[list[str]], list[str]]] | None = None) -> list[Path]:
    """`n` daily DAM price CSVs (one a day from 2020-01-01, real MIS names, sorted as landed); file i's rows pass
    through spoil[i] when given."""
    folder.mkdir(parents=True, exist_ok=True)
    files = []
    for i in range(n):
        day = dt.date(2020, 1, 1) + dt.timedelta(days=i)
        rows = da_rows(f"{day + dt.timedelta(days=1):%m/%d/%Y}")
        path = folder / f"cdr.00012331.0000000000000000.{day:%Y%m%d}.123005.DAMSPNP4190.csv"
        path.write_bytes(text_of(DA_HEADER, (spoil or {}).get(i, lambda r: r)(rows)))
        files.append(path)
    return files


def price_na(rows: list[str]) -> list[str]:
    return replace_row(rows, 9, rows[9].rsplit(",", 2)[0] + ",N/A,N")


def hour_twice(rows: list[str]) -> list[str]:
    """HE 05:00 again in place of HE 06:00, another price: one row key twice."""
    return replace_row(rows, 5, rows[4].replace(",25.00,", ",26.50,"))


def alone(path: Path) -> str:
    """The reason the per-file path gives for a CSV (one query for one file)."""
    csv_ = normalise(path.read_bytes())
    with pytest.raises(Invalid) as err:
        validate("ERCOT", "np4_190_cd", csv_.data, csv_.rows)
    return str(err.value)


def test_one_bad_file_in_a_big_delivery_is_quarantined_as_alone_and_the_rest_lands(tmp_path, base, monkeypatch):
    n = 2 * BATCH_FILES + 100  # three batches; the bad files in the middle of the second
    files = da_delivery(tmp_path / "in", n, {BATCH_FILES + 50: price_na, BATCH_FILES + 120: hour_twice})
    bad = {files[BATCH_FILES + 50], files[BATCH_FILES + 120]}
    copy = tmp_path / "in" / "zz_resent.csv"  # the last file again under another name, while the first waits
    copy.write_bytes(files[-1].read_bytes())
    alone_calls = []
    per_file = Validator.validate
    monkeypatch.setattr(Validator, "validate", lambda self, *a: alone_calls.append(a) or per_file(self, *a))

    summary = land("ercot", [tmp_path / "in"], base=base)

    assert {q["name"]: q["reason"] for q in quarantined(base)} == {p.name: alone(p) for p in bad}
    assert "Line: 11" in alone(files[BATCH_FILES + 50]) and "HourEnding=05:00" in alone(files[BATCH_FILES + 120])
    good = [p.name for p in files if p not in bad]
    entries = sorted(landed(base), key=lambda e: e["landing_seq"])
    assert [e["file_name"] for e in entries] == good  # registered in the order delivered
    assert [e["landing_seq"] for e in entries] == list(range(1, len(good) + 1))
    assert all(e["rows"] == 24 for e in entries)
    assert (summary.n_landed, summary.n_skipped, len(summary.quarantined)) == (len(good), 1, 2)
    assert summary.rows["DA_prices"] == 24 * len(good)
    assert_nothing_lost(base, {p.name for p in files})  # the copy: skipped as already landed
    # batches did the work: only the two bad files, and a few split off beside them, were validated alone
    assert len(alone_calls) < 20, len(alone_calls)


def test_a_csv_delivered_twice_in_one_landing_gets_the_verdict_of_one_by_one(tmp_path, base):
    """A copy of a staged CSV waits for the first's verdict: a valid one is skipped, an invalid one quarantined again
    (it is never registered)."""
    files = da_delivery(tmp_path / "in", 6, {2: hour_twice})
    for i in (1, 2):
        (tmp_path / "in" / f"zz_copy_{i}.csv").write_bytes(files[i].read_bytes())
    summary = land("ercot", [tmp_path / "in"], base=base)
    assert (summary.n_landed, summary.n_skipped) == (5, 1)
    assert sorted(q[0] for q in summary.quarantined) == sorted([files[2].name, "zz_copy_2.csv"])
    assert_nothing_lost(base, {p.name for p in files} | {"zz_copy_2.csv"})


# what a plain file (validate.joined_csv) may still hold wrong: each is read joined, or refused there, and judged as alone
PLAIN_SPOILS = {
    "one key twice": hour_twice,
    "N/A in a price": price_na,
    "a field too many": lambda rows: replace_row(rows, 3, rows[3] + ",7"),
    "a field too few": lambda rows: replace_row(rows, 3, rows[3].rsplit(",", 1)[0]),
    "not a date": lambda rows: replace_row(rows, 7, "2020-13-45" + rows[7][10:]),
    "a row of one field": lambda rows: [*rows, "HB_NORTH"],
}
NOT_PLAIN = {  # normalised bytes a joined file must not take (each line would not be one row read alone)
    "a quoted field": lambda data: data.replace(b"HB_NORTH", b'"HB_NORTH"', 1),
    "an unterminated quote on the last line": lambda data: data[:-1] + b',"x\n',
    "a carriage return": lambda data: data.replace(b",N\n", b",N\r", 1),
    "a blank line": lambda data: data.replace(b"\n", b"\n\n", 2),
    "no line end after the last line": lambda data: data[:-1],
}


def normalised_batch(folder: Path, n: int, spoil: dict[int, Callable[[list[str]], list[str]]]) -> list[tuple[Path, int]]:
    """`n` DAM price CSVs as landing stages them (normalised), with their record counts."""
    out = []
    for path in da_delivery(folder / "delivered", n, spoil):
        made = normalise(path.read_bytes())
        staged = folder / f"{path.stem}.part"
        staged.write_bytes(made.data)
        out.append((staged, made.rows))
    return out


@pytest.mark.parametrize("spoil", PLAIN_SPOILS.values(), ids=PLAIN_SPOILS.keys())
def test_a_plain_batch_is_read_joined_with_the_counts_and_verdicts_of_each_file_alone(tmp_path, spoil):
    batch = normalised_batch(tmp_path, 40, {5: spoil, 33: spoil})
    paths = [str(p) for p, _ in batch]
    validator = Validator()
    joined, listed = (validator.read_joined("ERCOT", "np4_190_cd", paths),
                      validator.read_listed("ERCOT", "np4_190_cd", paths))
    if joined is not None:  # DuckDB read it: the same rows and keys per file as the list of files
        assert joined == listed and len(joined) == 40
    else:  # a value DuckDB refuses stops the joined query, as it stops the list's
        assert len(listed) < 40
    verdicts = validator.validate_many("ERCOT", "np4_190_cd", batch)
    assert [str(v) if v else None for v in verdicts] == [
        alone(tmp_path / "delivered" / p.with_suffix(".csv").name) if i in (5, 33) else None
        for i, (p, _) in enumerate(batch)]
    assert not list(tmp_path.glob(".landing-*.part"))  # the joined file is gone


def test_clean_files_are_read_joined_and_every_not_plain_one_goes_the_list_way(tmp_path):
    batch = normalised_batch(tmp_path, 10, {})
    clean = [p.read_bytes() for p, _ in batch]
    validator = Validator()
    assert validator.read_joined("ERCOT", "np4_190_cd", [str(p) for p, _ in batch]) == {
        str(p): (24, 24) for p, _ in batch}
    assert joined_csv(clean).count(b"\n") == 1 + 10 * 24
    for kind, spoil in NOT_PLAIN.items():
        assert joined_csv([*clean[:4], spoil(clean[4]), *clean[5:]]) is None, kind
        batch[4][0].write_bytes(spoil(clean[4]))
        shown = validator.read_together("ERCOT", "np4_190_cd", [str(p) for p, _ in batch])
        assert shown == validator.read_listed("ERCOT", "np4_190_cd", [str(p) for p, _ in batch]), kind
        batch[4][0].write_bytes(clean[4])


def test_the_joined_read_is_taken_only_under_options_that_read_each_line_alike_alone_and_joined():
    assert all(joined_options(o) for o in source_options(PROJECT_ROOT).values())  # every source of every ISO
    columns = "columns = {'a': 'VARCHAR', 'b': 'DOUBLE'}"
    assert joined_options(f"header = true, delim = ',', {columns}") == (
        "header = true, delim = ',', columns = {'__landing_batch_file': 'INTEGER', 'a': 'VARCHAR', 'b': 'DOUBLE'}")
    for per_file in ("skip = 2", "comment = '#'", "header = false", "delim = ';'", "quote = ''''", r"escape = '\'",
                     "auto_detect = true", "ignore_errors = true", r"new_line = '\r'"):
        assert joined_options(f"header = true, {per_file}, {columns}") is None, per_file
    assert joined_options("header = true, auto_detect = false") is None  # no declared columns to lead with the index


FUZZ_FORMATS = {  # (format, header, a good row's fields): strict column counts, and null_padding
    "np4_190_cd": (DA_HEADER, lambda r: [f"10/{r.randint(1, 28):02d}/2024", f"{r.randint(1, 24):02d}:00",
                                          r.choice(["HB_NORTH", "HB_WEST", "LZ_HOUSTON"]), f"{r.uniform(-50, 500):.2f}",
                                          r.choice("NY")]),
    "np4_181_er": ("Delivery Date,Hour Ending,Repeated Hour Flag,REGDN,REGUP,RRS,NSPIN,ECRS",
                   lambda r: [f"10/{r.randint(1, 28):02d}/2024", f"{r.randint(1, 24):02d}:00", r.choice("NY"),
                              *(f"{r.uniform(0, 90):.2f}" for _ in range(5))]),
}
FUZZ_SPOILS = (  # what a careless or hostile line may be, quote-free (a quoted one is never read joined)
    lambda f, r: f[:r.randint(0, len(f) - 1)],  # fields missing
    lambda f, r: [*f, *(str(r.randint(0, 9)) for _ in range(r.randint(1, 3)))],  # fields too many
    lambda f, r: [*f[:3], r.choice(["N/A", "", " ", "1e309", "-", "1 2", "0x10", "inf", "12,5"]), *f[4:]],
    lambda f, r: [r.choice(["13/45/2024", "2024-10-01", "", "10/01/24", "10/1/2024 "]), *f[1:]],
    lambda f, r: [f[0], f[1], f[2] + r.choice(["\t", " ", "é", "\x00", "\x1f"]), *f[3:]],
    lambda f, r: [""] * len(f),
    lambda f, r: [","],
)


@pytest.mark.parametrize("report_format", FUZZ_FORMATS)
def test_random_plain_batches_get_every_file_s_verdict_alone(tmp_path, report_format):
    """Random batches of plain CSVs, most files sound, some with spoiled lines, keys repeated or not: whatever the
    batch read (joined or listed) decides, each file's verdict is exactly the one it gets alone."""
    header, good = FUZZ_FORMATS[report_format]
    rng = random.Random(20261206)
    validator, joined_batches = Validator(), 0
    for b in range(30):
        batch = []
        for i in range(rng.randint(2, 9)):
            lines = []
            for _ in range(rng.randint(1, 12)):
                fields = good(rng)
                if rng.random() < 0.04:
                    fields = rng.choice(FUZZ_SPOILS)(fields, rng)
                lines.append(",".join(fields))
            if rng.random() < 0.1:
                lines.append(rng.choice(lines))  # a row key twice
            path = tmp_path / f"b{b}_{i}.csv"
            path.write_bytes(("\n".join([header, *lines]) + "\n").encode())
            batch.append((path, len(lines)))
        joined_batches += validator.read_joined("ERCOT", report_format, [str(p) for p, _ in batch]) is not None
        alone = []
        for path, rows in batch:
            try:
                validate("ERCOT", report_format, path, rows)
                alone.append(None)
            except Invalid as exc:
                alone.append(str(exc).replace(str(path), "<file>"))
        together = validator.validate_many("ERCOT", report_format, batch)
        assert [str(v).replace(str(p), "<file>") if v else None for v, (p, _) in zip(together, batch)] == alone, b
    assert joined_batches >= 10  # the joined read was really taken, not only the list's


def landing_state(base: Path) -> dict:
    """What one landing leaves, but for when: registry entries (without landed_at, downloaded_at, landing_seq),
    the warehouse copy, the landed CSV bytes, the quarantine reasons."""
    paths = IsoPaths.of("ERCOT", base)
    when = {"landed_at", "downloaded_at", "landing_seq"}
    return {
        "entries": sorted(({k: v for k, v in e.items() if k not in when} for e in landed(base)),
                          key=lambda e: e["path"]),
        "warehouse": sorted(query(base, "select path, sha256, rows from landing.landed_files")),
        "csv": {p.relative_to(paths.root).as_posix(): p.read_bytes() for p in sorted(paths.csv_files.rglob("*"))
                if p.is_file() and p != paths.metadata_json},
        "quarantine": sorted((q["name"], q["reason"]) for q in quarantined(base)),
    }


def test_kill_9_mid_batch_then_rerun_equals_one_clean_run(tmp_path):
    n = 6 * BATCH_FILES
    files = da_delivery(tmp_path / "in", n, {BATCH_FILES // 2: price_na, 3 * BATCH_FILES + 7: hour_twice})
    clean = tmp_path / "clean"
    land("ercot", [tmp_path / "in"], base=clean)

    crashed = tmp_path / "crashed"
    command = [sys.executable, "-m", "ingest.cli", "land", "ercot", str(tmp_path / "in"), "--no-progress"]
    proc = subprocess.Popen(command, env={**os.environ, "ISO_DATA_DIR": str(crashed)},
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    target = IsoPaths.of("ERCOT", crashed).csv_files / "DA_prices" / "np4_190_cd"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and proc.poll() is None:  # a batch landed, the next one half staged
        names = os.listdir(target) if target.exists() else []
        if any(x.endswith(".csv") for x in names) and sum(x.endswith(".part") for x in names) >= BATCH_FILES // 2:
            break
        time.sleep(0.002)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    landed_before_kill = sum(x.endswith(".csv") for x in os.listdir(target))
    assert 0 < landed_before_kill < n - 2, "the kill must land mid-way for this test to mean anything"
    assert any(x.endswith(".part") for x in os.listdir(target)), "killed while a batch waited"

    summary = land("ercot", [tmp_path / "in"], base=crashed)
    assert summary.n_landed + summary.n_skipped == n - 2 and len(summary.quarantined) == 2
    assert not list(IsoPaths.of("ERCOT", crashed).root.rglob("*.part"))
    assert landing_state(crashed) == landing_state(clean)
    assert_nothing_lost(crashed, {p.name for p in files})


# -- validate: the checks one by one -------------------------------------------------------------------------------
def test_row_count_check_names_both_counts(tmp_path):
    data = text_of(DA_HEADER, da_rows(), crlf=False)
    validate("ERCOT", "np4_190_cd", data, 24)  # right
    with pytest.raises(Invalid, match=r"reads 24 row\(s\) where the CSV has 25 record\(s\)"):
        validate("ERCOT", "np4_190_cd", data, 25)


def test_a_wrong_row_key_column_is_an_error_not_a_quarantine(tmp_path):
    path = tmp_path / "da.csv"
    path.write_bytes(text_of(DA_HEADER, da_rows(), crlf=False))
    options = source_options()[("ERCOT", "np4_190_cd")]
    with pytest.raises(duckdb.BinderException):
        Validator().con.execute(check_sql(options, ("DeliveryDate", "SettlementPointName")), [str(path)])


def test_validation_reads_with_the_dbt_sources_own_options():
    locations = {}
    for path in PROJECT_ROOT.glob("models/staging/*/_*__sources.yml"):
        for source in yaml.safe_load(path.read_text())["sources"]:
            for table in source["tables"]:
                if "external_location" in (table.get("meta") or {}):
                    locations[(table["meta"]["iso"], table["meta"]["format"])] = table["meta"]["external_location"]
    options = source_options()
    for r in reports.load_reports():
        opts = options[(r.iso, r.format)]
        assert "columns = {" in opts and "auto_detect = false" in opts and "csv_files" not in opts
        assert locations[(r.iso, r.format)].rstrip().endswith(opts + ")")  # taken as written, file argument aside


@pytest.mark.parametrize("location,ok", [
    ("""read_csv(['{{ env_var("D", "data") | replace("'", "''") }}/x/*.csv'], header = true, columns = {'a': 'DATE'})""",
     "header = true, columns = {'a': 'DATE'}"),
    ("read_csv(coalesce(getvariable('v'), ['/x/*.csv']), header = true,\n columns = {'a, b': 'INTEGER'})",
     "header = true,\n columns = {'a, b': 'INTEGER'}"),
    ("read_csv('/x/*.csv', header = true, dateformat = '{{ var(\"f\") }}')", None),
    ("read_csv('/x/*.csv')", None),
    ("read_parquet('/x/*.parquet', hive_partitioning = true)", None),
])
def test_read_csv_options_are_parsed_out_of_the_location(location, ok):
    if ok is None:
        with pytest.raises(ValueError):
            read_csv_options(location)
    else:
        assert read_csv_options(location) == ok


def declared_columns(options: str, tmp_path: Path) -> list[str]:
    """The columns DuckDB gives a read with these options (a header-only file: the declared columns)."""
    empty = tmp_path / "header_only.csv"
    empty.write_text("x\n")
    return [r[0] for r in duckdb.connect().execute(f"describe select * from read_csv(?, {options})",
                                                   [str(empty)]).fetchall()]


def test_every_row_key_is_declared_by_its_source_and_in_its_header(tmp_path):
    keys: dict[tuple[str, str], set[tuple[str, ...]]] = {}
    for r in reports.load_reports():
        assert r.row_key, f"{r.iso} {r.format}: no row_key in seeds/iso_reports.csv"
        # in the header, or the column landing adds (NYISO, ISO-NE: which pass of the repeated hour a row is)
        added = {repeated_hour.COLUMN} if repeated_hour.applies(r.iso, r.format) else set()
        assert set(r.row_key) <= set(r.header) | added, (r.format, r.row_key)
        keys.setdefault((r.iso, r.format), set()).add(r.row_key)
    assert all(len(k) == 1 for k in keys.values()), keys  # one key per format
    for (iso, fmt), [key] in keys.items():
        assert set(key) <= set(declared_columns(source_options()[(iso, fmt)], tmp_path)), (fmt, key)
    # the check itself, on a key a source does not declare
    assert "SettlementPointName" not in declared_columns(source_options()[("ERCOT", "np4_190_cd")], tmp_path)


# -- rows registered = rows in the intermediate tables -------------------------------------------------------------
LANDED_ROWS_CALL = re.compile(r"\(ref\('(stg_\w+)'\),\s*'(\w+)'\)")


def row_count_tests_missing(models_yml: list[dict], sql_by_model: dict[str, str]) -> set[tuple[str, str]]:
    """(model, format) pairs where an intermediate model reads landed CSVs of a format (landed_rows) and carries no
    rows_match_registry test for it."""
    covered = set()
    for doc in models_yml:
        for model in doc.get("models") or []:
            for test in model.get("data_tests") or model.get("tests") or []:
                args = (test.get("rows_match_registry") or {}) if isinstance(test, dict) else {}
                args = args.get("arguments", args)
                covered |= {(model["name"], f) for f in args.get("formats") or []}
    reads = {(name, fmt) for name, sql in sql_by_model.items() if "landed_rows(" in sql
             for _, fmt in LANDED_ROWS_CALL.findall(sql)}
    return reads - covered


def test_every_intermediate_model_of_landed_csvs_checks_rows_against_the_registry():
    folder = PROJECT_ROOT / "models" / "intermediate"
    docs = [yaml.safe_load(p.read_text()) for p in sorted(folder.glob("*/_*__*.yml"))]  # scaffold: _<iso>__landed.yml
    sql = {p.stem: p.read_text() for p in folder.glob("*/*.sql")}
    assert sum("landed_rows(" in s for s in sql.values()) >= 12
    assert row_count_tests_missing(docs, sql) == set()
    # the check, on a purpose-built gap: one test taken away
    ercot = next(d for d in docs if any(m["name"] == "int_ercot__rt_spp" for m in d["models"]))
    spp = next(m for m in ercot["models"] if m["name"] == "int_ercot__rt_spp")
    spp["data_tests"] = [t for t in spp["data_tests"] if "np6_785_er" not in json.dumps(t)]
    assert row_count_tests_missing(docs, sql) == {("int_ercot__rt_spp", "np6_785_er")}


def _row_count_test(base: Path) -> dict:
    """The run result of the last build's row-count test of the DA file format (its compiled SQL included)."""
    results = json.loads((base / "dbt_target" / "run_results.json").read_text())["results"]
    [test] = [r for r in results if "rows_match_registry" in r["unique_id"] and "np4_190_cd" in r["unique_id"]]
    return test


def _loaded_files(base: Path) -> list[str]:
    return [p for (p,) in query(base, "select path from main._loaded_files where model like '%int_ercot__da_prices%' "
                                      "order by 1")]


def _files_in_model(base: Path) -> list[str]:
    return [p for (p,) in query(base, "select distinct source_file from ercot.int_ercot__da_prices order by 1")]


def test_row_counts_compare_only_what_came_since_the_last_verified_build_and_still_fail_on_a_lost_row(tmp_path, base):
    """After a passing build the row-count test reads only the files landed and the rows loaded since
    (main._verified_rows), so a build with nothing new compares nothing; a new file that lost a row after landing
    still fails it, and keeps failing (the mark does not move) until fixed; a rebuilt model is compared whole.
    Likewise an incremental build finds the new files through the list of files loaded (main._loaded_files)."""
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / mis_name(21)).write_bytes(text_of(DA_HEADER, da_rows("10/21/2024")))
    land("ercot", [folder], base=base)
    assert build(base, "--select", "+int_ercot__da_prices")["__returncode__"] == 0
    assert "_loaded_at >" not in _row_count_test(base)["compiled_code"]  # no mark yet: everything compared
    [(loaded_through, seq)] = query(base, "select loaded_through, landing_seq_through from main._verified_rows "
                                          "where model like '%int_ercot__da_prices%'")
    assert (loaded_through, seq) == query(
        base, "select max(_loaded_at), (select max(landing_seq) from landing.landed_files) from ercot.int_ercot__da_prices")[0]

    assert _loaded_files(base) == _files_in_model(base) and len(_loaded_files(base)) == 1
    # a warehouse without the list of loaded files (an earlier version's) gets it from the model's rows once
    with duckdb.connect(str(base / "warehouse.duckdb")) as con:
        con.execute("delete from main._loaded_files")
    assert build(base, "--select", "+int_ercot__da_prices")["__returncode__"] == 0  # nothing new
    assert _loaded_files(base) == _files_in_model(base) and len(_loaded_files(base)) == 1
    window = _row_count_test(base)["compiled_code"]
    assert "_loaded_at >" in window and f"landing_seq, 0) > {seq}" in window, window
    assert query(base, window.replace("where l.rows is distinct from d.rows", "")) == []  # not one file compared

    (folder / mis_name(21)).unlink()
    (folder / mis_name(22)).write_bytes(text_of(DA_HEADER, da_rows("10/22/2024")))
    land("ercot", [folder], base=base)
    entry = next(e for e in landed(base) if e["file_name"] == mis_name(22))
    csv_path = IsoPaths.of("ERCOT", base).root / entry["path"]
    csv_path.write_bytes(b"".join(csv_path.read_bytes().splitlines(keepends=True)[:-1]))  # a row lost after landing
    log_before = (base / "dbt_logs" / "dbt.log").read_text()
    statuses = build(base, "--select", "+int_ercot__da_prices")
    test = _row_count_test(base)
    assert test["status"] == "fail" and statuses["__returncode__"] != 0
    assert statuses["int_ercot__da_prices"] == "success"
    # the new file was found through the list of loaded files, not by reading the model's history, and appended once
    log = (base / "dbt_logs" / "dbt.log").read_text()[len(log_before):]
    assert "from main._loaded_files where model" in log and "select distinct source_file from" not in log
    assert _loaded_files(base) == _files_in_model(base) and len(_loaded_files(base)) == 2
    assert query(base, "select count(*) from ercot.int_ercot__da_prices") == [(24 + 23,)]
    assert query(base, test["compiled_code"]) == [("ERCOT", "DA_prices", entry["path"], 24, 23)]
    # the mark stays where the last passing build left it: the failing file is compared again by every build
    assert query(base, "select loaded_through from main._verified_rows "
                       "where model like '%int_ercot__da_prices%'") == [(loaded_through,)]

    statuses = build(base, "--select", "+int_ercot__da_prices", "--full-refresh")  # rebuilt: compared whole
    test = _row_count_test(base)
    assert "_loaded_at >" not in test["compiled_code"] and test["status"] == "fail"
    assert query(base, test["compiled_code"]) == [("ERCOT", "DA_prices", entry["path"], 24, 23)]
