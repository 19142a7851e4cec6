"""Stage 1: every input kind and every bad input kind, on real-format files (the real samples included)."""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import tarfile
import zipfile
from pathlib import Path

import openpyxl
import pytest

from conftest import REAL, landed_entries, quarantine_reasons, query
from ingest.config import IsoPaths
from ingest.landing import land

DA_HEADER = "DeliveryDate,HourEnding,SettlementPoint,SettlementPointPrice,DSTFlag"
MIS_DA = "cdr.00012331.0000000000000000.20241020.123005.DAMSPNP4190"


def mis_zip(path: Path, stem: str, text: str, crlf: bool = True) -> Path:
    body = text.replace("\n", "\r\n") if crlf else text
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr(f"{stem}.csv", body)
    return path


def da_csv(day: str = "10/21/2024", price: float = 23.94) -> str:
    rows = [f"{day},{h:02d}:00,HB_NORTH, {price + h:.2f},N" for h in range(1, 25)]
    return DA_HEADER + "\n" + "\n".join(rows) + "\n"


landed = landed_entries
quarantined = quarantine_reasons


def test_mis_zip_lands_normalised_with_source_tracking(tmp_path, base):
    src = mis_zip(tmp_path / f"{MIS_DA}_csv.zip", MIS_DA, da_csv().replace("HourEnding", "HourEnding "))
    summary = land("ercot", [src], base=base)
    assert summary.n_landed == 1 and not summary.quarantined
    [entry] = landed(base)
    out = IsoPaths.of("ERCOT", base).root / entry["path"]
    data = out.read_bytes()
    assert out.name == f"{MIS_DA}.csv" and entry["path"].startswith("csv_files/DA_prices/np4_190_cd/")
    assert b"\r" not in data and data.splitlines()[0].decode() == DA_HEADER  # LF, trimmed header cell
    assert entry["sha256"] == hashlib.sha256(data).hexdigest() and entry["bytes"] == len(data)
    assert entry["rows"] == 24 and entry["dataset"] == "DA_prices"
    assert entry["archive_chain"] == [src.name, f"{MIS_DA}.csv"]
    assert entry["source"] == str(src.resolve()) and entry["landed_at"]
    # the original is kept byte for byte
    assert (IsoPaths.of("ERCOT", base).raw_downloads / src.name).read_bytes() == src.read_bytes()
    # and the warehouse registry mirrors metadata.json
    assert query(base, "select path, rows, sha256 from landing.landed_files") == [
        (entry["path"], 24, entry["sha256"])
    ]


def test_zip_in_zip_tar_tgz_gzip_and_plain_csv(tmp_path, base):
    inner = mis_zip(tmp_path / f"{MIS_DA}_csv.zip", MIS_DA, da_csv("10/21/2024"))
    bulk = tmp_path / "bulk.zip"
    with zipfile.ZipFile(bulk, "w") as zf:  # ERCOT's bulk archive download: a zip of per-document zips
        zf.write(inner, inner.name)
        zf.writestr("cdr.00012331.0000000000000000.20241021.123005.DAMSPNP4190_csv.zip",
                    _zip_bytes("cdr.00012331.0000000000000000.20241021.123005.DAMSPNP4190.csv", da_csv("10/22/2024")))
    tgz = tmp_path / "delivery.tgz"
    with tarfile.open(tgz, "w:gz") as tf:
        data = _zip_bytes("cdr.00012331.0000000000000000.20241022.123005.DAMSPNP4190.csv", da_csv("10/23/2024"))
        info = tarfile.TarInfo("nested/dir/cdr.00012331.0000000000000000.20241022.123005.DAMSPNP4190_csv.zip")
        info.size = len(data)
        tf.addfile(info, io.BytesIO(data))
    tar = tmp_path / "plain.tar"
    with tarfile.open(tar, "w") as tf:
        data = da_csv("10/24/2024").encode()
        info = tarfile.TarInfo("DAMSPNP4190_20241024.csv")
        info.size = len(data)
        tf.addfile(info, io.BytesIO(data))
    gz = tmp_path / "cdr.00012331.0000000000000000.20241024.123005.DAMSPNP4190.csv.gz"
    gz.write_bytes(gzip.compress(da_csv("10/25/2024").encode()))
    plain = tmp_path / "my_export.csv"  # no report id in the name: recognised by its header
    plain.write_text(da_csv("10/26/2024"))
    summary = land("ercot", [bulk, tgz, tar, gz, plain], base=base)
    assert summary.n_landed == 6, summary.render()
    assert not summary.quarantined
    days = sorted(Path(e["path"]).name for e in landed(base))
    assert len(days) == 6 and "my_export.csv" in days
    chains = {tuple(e["archive_chain"]) for e in landed(base)}
    assert ("bulk.zip", f"{MIS_DA}_csv.zip", f"{MIS_DA}.csv") in chains


def _zip_bytes(name: str, text: str) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr(name, text.replace("\n", "\r\n"))
    return buf.getvalue()


@pytest.mark.parametrize("encoding,bom", [("utf-8", True), ("latin-1", False), ("cp1252", False)])
def test_encodings_are_converted_to_utf8(tmp_path, base, encoding, bom):
    text = da_csv().replace("HB_NORTH", "HB_NÖRTH–X" if encoding == "cp1252" else "HB_NÖRTH")
    raw = (b"\xef\xbb\xbf" if bom else b"") + text.encode(encoding)
    src = tmp_path / f"{MIS_DA}.csv"
    src.write_bytes(raw)
    land("ercot", [src], base=base)
    [entry] = landed(base)
    out = (IsoPaths.of("ERCOT", base).root / entry["path"]).read_text(encoding="utf-8")
    assert "HB_NÖRTH" in out and not out.startswith("\ufeff")
    assert entry["encoding"].replace("_", "-").lower() in {"utf-8-sig", "latin-1", "iso8859-1", "cp1252", "windows-1252"}


def test_yearly_xlsx_gives_one_csv_per_non_empty_sheet(tmp_path, base):
    rows = (REAL / "ercot/derived_from_KushKod04_xlsx/DAMLZHBSPP_2022__Nov_sheet__2022-11-06.csv").read_text().splitlines()
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for month in ("Jan", "Feb", "Nov", "Dec"):
        ws = wb.create_sheet(month)
        ws.append(rows[0].split(","))
        if month == "Nov":  # the only published month; the others are header-only as in ERCOT's archives
            for line in rows[1:]:
                d, he, flag, point, price = line.split(",")
                ws.append([d, he, flag, point, float(price)])
    buf = io.BytesIO()
    wb.save(buf)
    archive = tmp_path / "DAMLZHBSPP_2022.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("DAMLZHBSPP_2022.xlsx", buf.getvalue())
    summary = land("ercot", [archive], base=base)
    assert summary.n_landed == 1 and not summary.quarantined
    [entry] = landed(base)
    assert entry["path"] == "csv_files/DA_prices/np4_180_er/DAMLZHBSPP_2022_Nov.csv"
    assert entry["rows"] == len(rows) - 1
    landed_lines = (IsoPaths.of("ERCOT", base).root / entry["path"]).read_text().splitlines()
    # cell values come back as ERCOT wrote them (numbers compared as numbers: xlsx stores 10.30 as 10.3)
    assert landed_lines[0] == rows[0]
    parsed = [line.split(",") for line in landed_lines[1:]]
    expected = [line.split(",") for line in rows[1:]]
    assert [p[:4] for p in parsed] == [e[:4] for e in expected]
    assert [float(p[4]) for p in parsed] == [float(e[4]) for e in expected]


def test_real_samples_land_and_trailing_space_header_is_trimmed(base):
    summary = land("ercot", [REAL / "ercot"], base=base)
    by_name = {Path(e["path"]).name: e for e in landed(base)}
    assert by_name["DAMASMCPC_2022.csv"]["dataset"] == "AS_prices"
    assert by_name["DAMASMCPC_2022.csv"]["header"].split(",")[4] == "REGUP"  # 'REGUP ' in the original
    assert by_name["DAMASMCPC_2022.csv"]["rows"] == 8760
    assert by_name["DAMLZHBSPP_2022__Nov_sheet__2022-11-06.csv"]["dataset"] == "DA_prices"
    assert any(n.startswith("cdr.00012300") for n in by_name)
    # the hub list (NP4-160-SG) is not a price report: quarantined with a reason, the rest still landed
    assert [q[0] for q in summary.quarantined] == ["Hub_Name_AND_DC_Ties_06112026_122819.csv"]
    assert by_name["cdr.00012301.0000000000000000.20240329.010211.SPPHLZNP6905_20240329_0100.csv"]["rows"] == 908
    assert summary.n_landed == 6


@pytest.mark.parametrize(
    "name,payload,reason",
    [
        ("cdr.00012331.0000000000000000.20241020.123005.DAMSPNP4190_csv.zip", b"PK\x03\x04garbage" * 10, "corrupt"),
        ("cdr.00012331.0000000000000000.20241020.123005.DAMSPNP4190_csv.zip",
         b"<html><body><h1>503 Service Unavailable</h1></body></html>", "HTML"),
        ("cdr.00012331.0000000000000000.20241020.123005.DAMSPNP4190.csv",
         b"<!DOCTYPE html><html><head><title>Error</title></head></html>", "HTML"),
        ("cdr.00012331.0000000000000000.20241020.123005.DAMSPNP4190.csv", b"", "empty"),
        ("cdr.00012331.0000000000000000.20241020.123005.DAMSPNP4190.csv", (DA_HEADER + "\r\n").encode(), "empty"),
        ("mystery_report.csv", b"Foo,Bar,Baz\n1,2,3\n", "unknown report"),
        ("cdr.00012331.0000000000000000.20241020.123005.DAMSPNP4190.csv",
         b"DeliveryDate,HourEnding,SettlementPointName,Price,DSTFlag\n10/21/2024,01:00,HB_NORTH,1,N\n", "header differs"),
    ],
)
def test_bad_inputs_go_to_quarantine_with_a_reason(tmp_path, base, name, payload, reason):
    (tmp_path / "bad").mkdir()
    bad = tmp_path / "bad" / name
    bad.write_bytes(payload)
    good = mis_zip(tmp_path / f"{MIS_DA}_csv.zip", MIS_DA, da_csv())
    summary = land("ercot", [bad, good], base=base)
    assert summary.n_landed == 1  # the good file still lands
    [q] = quarantined(base)
    assert reason.lower() in q["reason"].lower()
    qdir = IsoPaths.of("ERCOT", base).quarantine
    if payload:
        assert any(p.read_bytes() == payload for p in qdir.iterdir() if not p.name.endswith(".json"))


def test_zip_slip_and_zip_bomb_members_are_rejected(tmp_path, base):
    evil = tmp_path / "evil.zip"
    with zipfile.ZipFile(evil, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("../../escape/DAMSPNP4190.csv", da_csv())
        zf.writestr("/abs/DAMSPNP4190.csv", da_csv())
        zf.writestr("bomb_DAMSPNP4190.csv", b"0" * (64 * 1024 * 1024))  # 64 MiB of zeros -> ~64 KiB compressed
        zf.writestr(f"{MIS_DA}.csv", da_csv())
    summary = land("ercot", [evil], base=base)
    reasons = sorted(q["reason"].split(":")[0] for q in quarantined(base))
    assert reasons == ["zip bomb suspected", "zip-slip", "zip-slip"]
    assert summary.n_landed == 1
    assert not (tmp_path / "escape").exists() and not Path("/abs/DAMSPNP4190.csv").exists()


def test_same_name_different_content_both_land_and_duplicates_are_skipped(tmp_path, base):
    # ERCOT's repeated DST hour publishes two different files under one name
    a = tmp_path / "a" / f"{MIS_DA}_csv.zip"
    b = tmp_path / "b" / f"{MIS_DA}_csv.zip"
    a.parent.mkdir()
    b.parent.mkdir()
    mis_zip(a, MIS_DA, da_csv(price=10))
    mis_zip(b, MIS_DA, da_csv(price=20))
    first = land("ercot", [a, b], base=base)
    assert first.n_landed == 2
    names = sorted(Path(e["path"]).name for e in landed(base))
    assert names[0] == f"{MIS_DA}.csv" and names[1].startswith(f"{MIS_DA}__") and names[1].endswith(".csv")
    raw = sorted(p.name for p in IsoPaths.of("ERCOT", base).raw_downloads.iterdir())
    assert len(raw) == 2  # both originals kept, neither overwritten
    # a duplicate delivery (same content again, even under another name) is skipped
    c = tmp_path / "c" / "resent.zip"
    c.parent.mkdir()
    c.write_bytes(a.read_bytes())
    again = land("ercot", [a, b, c], base=base)
    assert again.n_landed == 0 and again.n_skipped == 3
    assert len(landed(base)) == 2


def test_schema_registry_records_headers_and_reports_a_changed_one(tmp_path, base):
    good = mis_zip(tmp_path / f"{MIS_DA}_csv.zip", MIS_DA, da_csv())
    renamed = tmp_path / "cdr.00012331.0000000000000000.20241021.123005.DAMSPNP4190.csv"
    renamed.write_text(da_csv().replace("SettlementPointPrice", "SettlementPointPriceUSD"))
    land("ercot", [good, renamed], base=base)
    registry = json.loads(IsoPaths.of("ERCOT", base).schema_registry_json.read_text())
    recs = registry["datasets"]["DA_prices"]
    statuses = {r["status"]: r for r in recs}
    assert statuses["landed"]["files"] == 1 and statuses["landed"]["header"] == DA_HEADER.split(",")
    changed = statuses["quarantined: header differs"]
    assert "SettlementPointPriceUSD" in changed["header"] and changed["files"] == 1
    assert changed["first_seen"] and changed["last_seen"]
