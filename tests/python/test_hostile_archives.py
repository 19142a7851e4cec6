"""Archive bombs and full disks (issue 17, point 4), on real purpose-made files and real filesystems.

Every bomb here is written at test time: small on disk, huge inflated. Landing must finish, say why, keep at most
the original bytes (never the inflated ones), land the good members of the same delivery, and leave every CSV it
wrote recorded in metadata.json. The full-disk tests mount a small tmpfs (root only; skipped otherwise, and the
free-space check is also shown on the real disk through the limit settings).
"""

from __future__ import annotations

import datetime as dt
import errno
import gzip
import io
import os
import random
import string
import struct
import subprocess
import tarfile
import zipfile
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner

from conftest import landed_entries, quarantine_reasons
from ingest.cli import cli
from ingest.config import IsoPaths
from ingest.landing import Lander, LandingError, _write_new, land
from ingest.sample.ercot import generate_ercot

MB = 1024 * 1024
HUBS = ("HB_BUSAVG", "HB_HOUSTON", "HB_HUBAVG", "HB_NORTH", "HB_PAN", "HB_SOUTH", "HB_WEST", "LZ_AEN", "LZ_CPS",
        "LZ_HOUSTON", "LZ_LCRA", "LZ_NORTH", "LZ_RAYBN", "LZ_SOUTH", "LZ_WEST")
DA_HEADER = "DeliveryDate,HourEnding,SettlementPoint,SettlementPointPrice,DSTFlag"


def da_name(day: int) -> str:
    """An ERCOT DAM settlement point price (NP4-190-CD) document name for October `day`, 2024."""
    return f"cdr.00012331.0000000000000000.202410{day:02d}.123005.DAMSPNP4190"


def da_csv(day: int, days: int = 1) -> bytes:
    rows = [f"10/{d:02d}/2024,{h:02d}:00,HB_NORTH,{20 + h + d / 100:.2f},N"
            for d in range(day, day + days) for h in range(1, 25)]
    return (DA_HEADER + "\r\n" + "\r\n".join(rows) + "\r\n").encode()


def zip_bytes(members: dict[str, bytes], compression: int = zipfile.ZIP_DEFLATED) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return buf.getvalue()


def write(path: Path, data: bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


# -- what must hold after any landing -----------------------------------------------------------------------------
landed = landed_entries
reasons = quarantine_reasons


def assert_consistent(base: Path) -> None:
    """Every file under csv_files/ (but metadata.json) is in metadata.json, no `.part` file is left anywhere, and
    every file kept in quarantine/ has its reason file."""
    paths = IsoPaths.of("ERCOT", base)
    recorded = {e["path"] for e in landed(base)}
    on_disk = {p.relative_to(paths.root).as_posix() for p in paths.csv_files.rglob("*")
               if p.is_file() and p != paths.metadata_json} if paths.csv_files.exists() else set()
    assert on_disk <= recorded, f"CSVs not in metadata.json: {sorted(on_disk - recorded)[:5]}"
    assert not [p for p in paths.root.rglob("*.part")], "a .part file was left behind"
    if paths.quarantine.exists():
        kept = [p for p in paths.quarantine.iterdir() if not p.name.endswith(".reason.json")]
        orphans = [p.name for p in kept if not p.with_name(p.name + ".reason.json").exists()]
        assert not orphans, f"quarantined without a reason file: {orphans}"


def quarantine_data_bytes(base: Path) -> int:
    """Bytes kept in quarantine/ besides the reason files."""
    q = IsoPaths.of("ERCOT", base).quarantine
    return sum(p.stat().st_size for p in q.iterdir() if not p.name.endswith(".reason.json")) if q.exists() else 0


def assert_bomb_kept_small(base: Path, delivered: Path) -> None:
    """Quarantine holds at most the delivered bytes (plus reason files), and the original is kept as delivered."""
    assert quarantine_data_bytes(base) <= delivered.stat().st_size
    raw = IsoPaths.of("ERCOT", base).raw_downloads / delivered.name
    assert raw.read_bytes() == delivered.read_bytes()


def test_the_checks_catch_what_they_guard_against(tmp_path, base):
    """The helpers above fail on a purpose-made bad state: a stray CSV, a .part, a reason-less quarantined file."""
    good = write(tmp_path / f"{da_name(20)}_csv.zip", zip_bytes({f"{da_name(20)}.csv": da_csv(20)}))
    land("ercot", [good], base=base)
    assert_consistent(base)
    paths = IsoPaths.of("ERCOT", base)
    stray = write(paths.csv_files / "DA_prices" / "np4_190_cd" / "stray.csv", da_csv(21))
    with pytest.raises(AssertionError, match="not in metadata.json"):
        assert_consistent(base)
    stray.unlink()
    part = write(paths.raw_downloads / "x.zip.part", b"half")
    with pytest.raises(AssertionError, match=".part"):
        assert_consistent(base)
    part.unlink()
    orphan = write(paths.quarantine / "abc_orphan.csv", b"x" * 10_000)
    with pytest.raises(AssertionError, match="without a reason"):
        assert_consistent(base)
    write(orphan.with_name(orphan.name + ".reason.json"), b"{}")
    assert_consistent(base)
    with pytest.raises(AssertionError):  # 10,000 bytes in quarantine: more than the delivery
        assert_bomb_kept_small(base, good)


# -- bombs ------------------------------------------------------------------------------------------------------
def test_ten_small_zero_members_are_each_rejected_and_the_good_member_lands(tmp_path, base):
    # the 7.7 MB zip: members under 16 MB each skipped the ratio check and were written out in full
    members = {f"part_{i:02d}_DAMSPNP4190.csv": b"0" * (5 * MB) for i in range(10)}
    members[f"{da_name(20)}.csv"] = da_csv(20)
    bomb = write(tmp_path / "delivery.zip", zip_bytes(members))
    assert bomb.stat().st_size < 100_000  # 50 MB inflated
    summary = land("ercot", [bomb], base=base)
    assert summary.n_landed == 1 and landed(base)[0]["file_name"] == f"{da_name(20)}.csv"
    bombs = [r for r in reasons(base) if r["name"].startswith("part_")]
    assert len(bombs) == 10
    first = bombs[0]["reason"]
    assert first.startswith("zip bomb suspected: part_") and "declares 5,242,880 bytes" in first
    assert "compressed, over the limit of 100x" in first  # names the member, its sizes and the limit
    assert all(r["original"] == "raw_downloads/delivery.zip" for r in bombs)
    assert quarantine_data_bytes(base) == 0  # nothing inflated kept: the original is in raw_downloads/
    assert_bomb_kept_small(base, bomb)
    assert_consistent(base)


def test_nested_zip_bomb_stops_at_the_delivery_budget(tmp_path, base):
    """42.zip-style: each level deflates 16 copies of the level below in one member (~16x each, under the
    per-member ratio), so only the budget of the whole delivery (100x its size) can stop it."""
    level = zip_bytes({f"{da_name(20)}.csv": da_csv(20, days=10)})
    for depth in (1, 2):
        copies = zip_bytes({f"copy{i:02d}_{depth}.zip": level for i in range(16)}, zipfile.ZIP_STORED)
        level = zip_bytes({f"level{depth}.zip": copies})
    bomb = write(tmp_path / "nested.zip", level)
    inflated_leaves = 16 ** 2 * len(da_csv(20, days=10))
    assert inflated_leaves > 1000 * bomb.stat().st_size
    summary = land("ercot", [bomb], base=base)
    assert summary.n_landed == 1  # the first copy lands (the others, identical, are skipped) before the limit
    [stop] = [r for r in reasons(base) if r["reason"].startswith("archive bomb suspected")]
    assert f"delivery nested.zip may inflate to at most {100 * bomb.stat().st_size:,} bytes" in stop["reason"]
    assert "the rest of the delivery was not read" in stop["reason"]
    assert "file(s) found before this one were landed (or skipped, or quarantined) as usual" in stop["reason"]
    assert stop["archive_chain"][0] == "nested.zip" and stop["original"] == "raw_downloads/nested.zip"
    assert_bomb_kept_small(base, bomb)
    assert_consistent(base)


def _declare_size(data: bytes, member: str, size: int) -> bytes:
    """The zip with `member`'s uncompressed size in its local and central headers replaced by `size`."""
    out = bytearray(data)
    name = member.encode()
    local = out.find(b"PK\x03\x04")
    while local != -1:  # local header: size at +22, name at +30
        if out[local + 30:local + 30 + len(name)] == name:
            struct.pack_into("<I", out, local + 22, size)
        local = out.find(b"PK\x03\x04", local + 4)
    central = out.find(b"PK\x01\x02")
    while central != -1:  # central directory entry: size at +24, name at +46
        if out[central + 46:central + 46 + len(name)] == name:
            struct.pack_into("<I", out, central + 24, size)
        central = out.find(b"PK\x01\x02", central + 4)
    return bytes(out)


@pytest.mark.parametrize("method,declared,reason", [
    # says 1,000 bytes, holds 20 MB: never read past what it declares, and then its CRC fails
    (zipfile.ZIP_DEFLATED, 1000, "corrupt zip member: Bad CRC-32"),
    # bzip2 inflates 20 MB from ~100 bytes, and zipfile would inflate it whole: read with a bound instead
    (zipfile.ZIP_BZIP2, 1000, "zip bomb suspected: liar_DAMSPNP4190.csv inflates past "),
    (zipfile.ZIP_DEFLATED, 4_000_000_000, "zip bomb suspected: liar_DAMSPNP4190.csv declares 4,000,000,000 bytes"),
])
def test_a_member_whose_header_lies_about_its_size(tmp_path, base, method, declared, reason):
    honest = zip_bytes({"liar_DAMSPNP4190.csv": b"0" * (20 * MB), f"{da_name(20)}.csv": da_csv(20)}, method)
    lying = write(tmp_path / "lying.zip", _declare_size(honest, "liar_DAMSPNP4190.csv", declared))
    assert zipfile.ZipFile(lying).getinfo("liar_DAMSPNP4190.csv").file_size == declared
    summary = land("ercot", [lying], base=base)
    assert summary.n_landed == 1
    [liar] = reasons(base)
    assert liar["reason"].startswith(reason)
    assert quarantine_data_bytes(base) == 0
    assert_bomb_kept_small(base, lying)
    assert_consistent(base)


@pytest.mark.parametrize("lie", [False, True])
def test_gzip_bomb(tmp_path, base, lie):
    data = bytearray(gzip.compress(b"0" * (20 * MB)))
    if lie:  # the trailer's size (ISIZE) says 1 KB: only a bounded read finds out
        struct.pack_into("<I", data, len(data) - 4, 1024)
    bomb = write(tmp_path / f"{da_name(20)}.csv.gz", bytes(data))
    good = write(tmp_path / f"{da_name(21)}.csv.gz", gzip.compress(da_csv(21)))
    summary = land("ercot", [bomb, good], base=base)
    assert summary.n_landed == 1
    [r] = reasons(base)
    limit = 100 * bomb.stat().st_size
    what = f"inflates past {limit:,} bytes" if lie else "declares 20,971,520 bytes"
    assert r["reason"] == (f"gzip bomb suspected: {bomb.name} {what} from {bomb.stat().st_size:,} compressed, "
                           f"over the limit of 100x = {limit:,} bytes (ISO_MAX_RATIO)")
    assert_bomb_kept_small(base, bomb)
    assert_consistent(base)


def test_tar_gz_bomb(tmp_path, base):
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz") as tf:
        for name, data in ((f"{da_name(20)}.csv", da_csv(20)), ("zeros_DAMSPNP4190.csv", b"0" * (20 * MB))):
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tf.addfile(info, io.BytesIO(data))
    bomb = write(tmp_path / "delivery.tar.gz", buf.getvalue())
    summary = land("ercot", [bomb], base=base)
    # the whole tar is one gzip stream: it is the bomb, so nothing of it is read past the limit
    assert summary.n_landed == 0
    [r] = reasons(base)
    assert r["reason"].startswith("gzip bomb suspected: delivery.tar.gz declares 20,98")
    assert_bomb_kept_small(base, bomb)
    assert_consistent(base)


def test_sparse_tar_member_is_refused(tmp_path, base):
    """GNU tar stores a file's holes as a map: a few bytes that tarfile would expand into gigabytes of zeros."""
    src = tmp_path / "src"
    src.mkdir()
    with open(src / "holes_DAMSPNP4190.csv", "wb") as fh:
        fh.truncate(1024 * MB)
    (src / f"{da_name(20)}.csv").write_bytes(da_csv(20))
    bomb = tmp_path / "sparse.tar"
    subprocess.run(["tar", "--sparse", "--format=gnu", "-cf", str(bomb), "-C", str(src), "."], check=True)
    assert bomb.stat().st_size < MB
    summary = land("ercot", [bomb], base=base)
    assert summary.n_landed == 1
    [r] = reasons(base)
    assert r["reason"] == "sparse tar member: 1,073,741,824 bytes mostly made of holes"
    assert_bomb_kept_small(base, bomb)
    assert_consistent(base)


def _xlsx(rows: list[list]) -> bytes:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Oct"
    for row in rows:
        ws.append(row)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def test_xlsx_whose_sheet_xml_is_huge(tmp_path, base):
    good = _xlsx([DA_HEADER.split(",")] + [["10/20/2024", f"{h:02d}:00", "HB_NORTH", 20.5 + h, "N"]
                                          for h in range(1, 25)])
    parts = {}
    with zipfile.ZipFile(io.BytesIO(good)) as zf:
        for info in zf.infolist():
            parts[info.filename] = zf.read(info)
    sheet = "xl/worksheets/sheet1.xml"
    parts[sheet] = parts[sheet].replace(b"</worksheet>", b" " * (10 * MB) + b"</worksheet>")  # valid XML
    yearly = write(tmp_path / "DAMLZHBSPP_2024.zip", zip_bytes({
        "DAMLZHBSPP_2024.xlsx": zip_bytes(parts),
        f"{da_name(20)}.csv": da_csv(20),  # a good member of the same delivery
    }))
    summary = land("ercot", [yearly], base=base)
    assert summary.n_landed == 1
    [r] = reasons(base)
    assert r["reason"].startswith(f"xlsx bomb suspected: part {sheet} of DAMLZHBSPP_2024.xlsx declares 10,")
    assert "over the limit of 100x" in r["reason"]
    assert_bomb_kept_small(base, yearly)
    assert_consistent(base)


def _with_shared_string(book: bytes, text: str) -> bytes:
    """The workbook with every (inline) cell turned into a reference to one shared string, `text`."""
    with zipfile.ZipFile(io.BytesIO(book)) as zf:
        parts = {info.filename: zf.read(info) for info in zf.infolist()}
    sheet = "xl/worksheets/sheet1.xml"
    parts[sheet] = parts[sheet].replace(b't="inlineStr"><is><t>X</t></is>', b't="s"><v>0</v>')
    parts["xl/sharedStrings.xml"] = (
        '<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="1" uniqueCount="1">'
        f"<si><t>{text}</t></si></sst>").encode()
    parts["[Content_Types].xml"] = parts["[Content_Types].xml"].replace(b"</Types>", (
        b'<Override PartName="/xl/sharedStrings.xml" ContentType="application/'
        b'vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>'))
    return zip_bytes(parts)


def test_xlsx_shared_string_repeated_in_every_cell(tmp_path, base):
    """No part is big or very compressible: one 200 KB shared string used by 2,000 cells makes 400 MB of CSV."""
    text = "".join(random.Random(7).choices(string.ascii_letters, k=200_000))
    book = write(tmp_path / "DAMLZHBSPP_2024.xlsx", _with_shared_string(_xlsx([["X"] * 20] * 100), text))
    assert book.stat().st_size < 300_000
    summary = land("ercot", [book], base=base)
    assert summary.n_landed == 0
    [r] = reasons(base)
    assert r["reason"].startswith("archive bomb suspected: sheet Oct of DAMLZHBSPP_2024.xlsx makes more than ")
    assert f"may inflate to at most {100 * book.stat().st_size:,} bytes" in r["reason"]
    assert_bomb_kept_small(base, book)
    assert_consistent(base)


def test_real_yearly_xlsx_and_bulk_zips_stay_under_the_limits(tmp_path, base):
    """No false alarm on the most compressible real shapes: a bulk zip of per-document zips, a zipped workbook."""
    bulk = write(tmp_path / "bulk.zip", zip_bytes({f"{da_name(d)}_csv.zip": zip_bytes({f"{da_name(d)}.csv": da_csv(d)})
                                                   for d in range(1, 11)}))
    header = "Delivery Date,Hour Ending,Repeated Hour Flag,Settlement Point,Settlement Point Price"
    book = _xlsx([header.split(",")] + [[f"10/{d:02d}/2024", f"{h:02d}:00", "N", point, 23.94]  # one price
                                        for d in range(1, 8) for h in range(1, 25) for point in HUBS])
    yearly = write(tmp_path / "DAMLZHBSPP_2024.zip", zip_bytes({"DAMLZHBSPP_2024.xlsx": book}))
    summary = land("ercot", [bulk, yearly], base=base)
    assert not summary.quarantined and summary.n_landed == 11
    assert_consistent(base)


# -- a full disk ------------------------------------------------------------------------------------------------
def test_free_space_check_stops_before_an_input_that_may_not_fit(tmp_path, base, monkeypatch):
    """On the real disk: limits raised so far that a 1 KB zip may inflate past any disk's free space."""
    first = write(tmp_path / "in" / "a" / f"{da_name(20)}.csv", da_csv(20))
    big = write(tmp_path / "in" / "b" / f"{da_name(21)}_csv.zip", zip_bytes({f"{da_name(21)}.csv": da_csv(21)}))
    after = write(tmp_path / "in" / "c" / f"{da_name(22)}.csv", da_csv(22))
    monkeypatch.setenv("ISO_MAX_RATIO", "1e12")
    monkeypatch.setenv("ISO_MAX_INPUT_BYTES", "1e18")
    with pytest.raises(LandingError) as err:
        land("ercot", [first, big, after], base=base)
    message = str(err.value)
    assert "\n" not in message and message.startswith(f"not enough free space to land {big.name}")
    assert "the 1 file(s) landed before it are recorded in metadata.json" in message
    assert [e["file_name"] for e in landed(base)] == [first.name]  # flushed, then stopped
    assert not (IsoPaths.of("ERCOT", base).raw_downloads / big.name).exists()  # nothing of it written
    assert_consistent(base)


def test_an_unusable_limit_setting_is_one_line(tmp_path, base, monkeypatch):
    monkeypatch.setenv("ISO_MAX_INPUT_BYTES", "4 GiB")
    good = write(tmp_path / f"{da_name(20)}.csv", da_csv(20))
    with pytest.raises(LandingError, match=r"ISO_MAX_INPUT_BYTES='4 GiB' is not a number"):
        land("ercot", [good], base=base)


class Disk:
    """A tmpfs mounted for one test: a real filesystem that really fills up."""

    def __init__(self, path: Path):
        self.path = path

    def remount(self, **options: str) -> None:
        opts = ",".join(["remount"] + [f"{k}={v}" for k, v in options.items()])
        subprocess.run(["mount", "-o", opts, str(self.path)], check=True, capture_output=True)

    def inodes_used(self) -> int:
        st = os.statvfs(self.path)
        return st.f_files - st.f_ffree


@pytest.fixture()
def disk(tmp_path):
    mnt = tmp_path / "disk"
    mnt.mkdir()
    try:
        proc = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=8m", "tmpfs", str(mnt)],
                              capture_output=True, text=True)
        problem = proc.stderr.strip() if proc.returncode else ""
    except FileNotFoundError:
        problem = "no mount command"
    if problem:
        pytest.skip(f"cannot mount a tmpfs here ({problem}): the full-disk tests need root (CI runs as root); "
                    f"test_free_space_check_stops_before_an_input_that_may_not_fit covers the check without it")
    yield Disk(mnt)
    subprocess.run(["umount", "-l", str(mnt)], check=False)


def recorded(base: Path) -> list[tuple[str, str]]:
    return sorted((e["path"], e["sha256"]) for e in landed(base))


def ercot_days(folder: Path, start: dt.date, days: int) -> list[Path]:
    """ERCOT's daily DAM price zips (the generated sample: real names and format), one file per day."""
    return generate_ercot(folder, start=start, days=days, datasets=("DA_prices",))


def test_a_bulk_zip_too_big_for_the_disk_is_not_started(tmp_path, disk):
    day1 = ercot_days(tmp_path / "day1", dt.date(2024, 10, 21), 2)
    day2 = ercot_days(tmp_path / "day2", dt.date(2024, 11, 1), 30)
    land("ercot", day1, base=disk.path)
    before = recorded(disk.path)
    bulk = write(tmp_path / "bulk" / "ercot_bulk.zip", zip_bytes({p.name: p.read_bytes() for p in day2},
                                                                  zipfile.ZIP_STORED))
    plain = write(tmp_path / "plain" / f"{da_name(25)}.csv", da_csv(25))
    # an 8 MB disk: the plain CSV fits, the bulk zip (~120 KB, may inflate 100x) does not
    result = CliRunner().invoke(cli, ["land", "ercot", str(plain), str(bulk), "--no-progress"],
                                env={"ISO_DATA_DIR": str(disk.path)})
    assert result.exit_code == 1 and isinstance(result.exception, SystemExit), result.output  # no traceback
    error = result.output.strip().splitlines()[-1]
    assert error.startswith("Error: not enough free space to land ercot_bulk.zip") and "Traceback" not in result.output
    assert "the 1 file(s) landed before it are recorded in metadata.json" in error
    new = sorted(set(recorded(disk.path)) - set(before))
    assert [path for path, _ in new] == [f"csv_files/DA_prices/np4_190_cd/{plain.name}"]  # and it is recorded
    assert not (IsoPaths.of("ERCOT", disk.path).raw_downloads / bulk.name).exists()
    assert_consistent(disk.path)
    disk.remount(size="200m")  # space freed: the rerun lands it all
    summary = land("ercot", [plain, bulk], base=disk.path)
    assert summary.n_landed == len(day2) and summary.n_skipped == 1
    assert_consistent(disk.path)


def test_disk_full_while_writing_ends_in_one_line_and_leaves_nothing_unrecorded(tmp_path, disk):
    """No inode left (ERCOT's thousands of small files): ENOSPC where free bytes say there is room."""
    day1 = ercot_days(tmp_path / "day1", dt.date(2024, 10, 21), 2)
    day2 = ercot_days(tmp_path / "day2", dt.date(2024, 11, 1), 30)
    land("ercot", day1, base=disk.path)
    before = recorded(disk.path)
    disk.remount(nr_inodes=str(disk.inodes_used() + 20))  # room for about 10 of the 30 files (original + CSV)
    with pytest.raises(LandingError) as err:
        land("ercot", day2, base=disk.path)
    message = str(err.value)
    assert "\n" not in message and "is full (landing " in message and "No space left on device" in message
    assert recorded(disk.path) == before  # day 1 intact; what day 2 wrote could not be recorded, so it is gone
    assert_consistent(disk.path)
    result = CliRunner().invoke(cli, ["land", "ercot", str(tmp_path / "day2"), "--no-progress"],
                                env={"ISO_DATA_DIR": str(disk.path)})
    assert result.exit_code == 1 and isinstance(result.exception, SystemExit), result.output  # no traceback
    assert result.output.strip().splitlines()[-1].startswith("Error: the disk holding ")
    assert_consistent(disk.path)
    disk.remount(nr_inodes="100000")
    land("ercot", day2, base=disk.path)
    clean = tmp_path / "clean"
    land("ercot", day1 + day2, base=clean)
    assert recorded(disk.path) == recorded(clean)
    assert_consistent(disk.path)


def test_writes_that_hit_a_full_disk_leave_nothing_half_done(disk):
    with pytest.raises(OSError) as err:  # 9 MB onto an 8 MB disk
        _write_new(disk.path / "csv_files" / "big.csv", b"x" * (9 * MB))
    assert err.value.errno == errno.ENOSPC
    assert [p.name for p in disk.path.rglob("*") if p.is_file()] == []  # no big.csv, no big.csv.part
    lander = Lander("ercot", disk.path)
    lander.paths.quarantine.mkdir(parents=True)
    disk.remount(nr_inodes=str(disk.inodes_used() + 1))  # room for the kept file, not for its reason file
    with pytest.raises(OSError) as err:
        lander.quarantine("x.csv", ("delivery.zip", "x.csv"), "unknown report", b"Foo,Bar\n1,2\n")
    assert err.value.errno == errno.ENOSPC
    assert list(lander.paths.quarantine.iterdir()) == []  # the kept file went with its reason
