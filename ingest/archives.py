"""Open whatever was delivered and yield the files inside: zips, zip-in-zip, tar(.gz), gzip, .xlsx, plain files.

Nothing is extracted to disk here: members are read into memory one at a time and handed to the landing step,
so a hostile member path (zip-slip) can never write outside the data folder; it is reported and rejected.

Archive bombs are bounded, and every size is counted as it is read (an archive's headers can lie; a header that
declares too much is rejected without reading):

- every member (zip member, gzip stream, xlsx part) may inflate to at most ISO_MAX_RATIO (100) times its
  compressed size, whatever its size;
- one delivered file may produce at most its budget: ISO_MAX_INPUT_BYTES (4 GiB) and never more than
  ISO_MAX_RATIO times its own size, counted across all nesting levels (an inner zip and its members both count).
  Past it nothing more of the delivery is read; what was found before it is landed as usual.

A bomb is reported as a `Rejected` without data: quarantine keeps the delivered file's original bytes (in
raw_downloads/), never inflated ones.
"""

from __future__ import annotations

import bz2
import datetime as dt
import gzip
import io
import posixpath
import struct
import tarfile
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass

from .config import env_number

MAX_DEPTH = 5  # archives inside archives
MAX_MEMBER_BYTES = 2 * 1024**3  # one extracted member
# Uncompressed / compressed of any one member. Measured: real ERCOT xlsx parts <= 13.4x, real ERCOT _csv.zip
# members ~2x, the generated ERCOT/CAISO/PJM samples <= 28.7x (a CAISO OASIS zip); zeros deflate ~1000x.
MAX_RATIO = 100
MAX_INPUT_BYTES = 4 * 1024**3  # uncompressed bytes of one delivered file, all nesting levels together
RATIO_ENV = "ISO_MAX_RATIO"
INPUT_BYTES_ENV = "ISO_MAX_INPUT_BYTES"
TEXT_GROWTH = 3  # a single-byte code page re-encoded as UTF-8 grows at most 3x (cp1252 "–" is 3 bytes)


@dataclass(frozen=True)
class Limits:
    """The bomb limits, from the environment (ISO_MAX_INPUT_BYTES, ISO_MAX_RATIO) or the defaults above."""

    max_input_bytes: int = MAX_INPUT_BYTES
    max_ratio: float = MAX_RATIO

    @classmethod
    def from_env(cls) -> Limits:
        """Read the settings; a ValueError naming the variable when one is not a usable number."""
        ratio = env_number(RATIO_ENV, MAX_RATIO)
        if ratio < 1:
            raise ValueError(f"{RATIO_ENV}={ratio:g}: must be at least 1")
        return cls(int(env_number(INPUT_BYTES_ENV, MAX_INPUT_BYTES)), ratio)

    def by_ratio(self, compressed: int) -> int:
        """The most bytes a member of `compressed` bytes may inflate to."""
        return int(self.max_ratio * max(compressed, 1))


class Budget:
    """What one delivered file may still inflate to, across all its nesting levels."""

    def __init__(self, name: str, size: int, limits: Limits | None = None):
        self.name = name
        self.size = size
        self.limits = limits or Limits.from_env()
        self.limit = min(self.limits.max_input_bytes, self.limits.by_ratio(size))
        self.used = 0  # bytes inflated so far
        self.found = 0  # files handed out so far
        self.exceeded = False  # once set, nothing more of the delivery is read

    @property
    def left(self) -> int:
        return max(self.limit - self.used, 0)

    def describe(self) -> str:
        return (f"{self.limit:,} bytes (the lower of {INPUT_BYTES_ENV}={self.limits.max_input_bytes:,} and "
                f"{self.limits.max_ratio:g}x its {self.size:,} bytes)")

    def exceed(self, name: str, chain: tuple[str, ...], what: str) -> Rejected:
        """Stop reading the delivery: the Rejected that says why and what became of the rest."""
        self.exceeded = True
        return Rejected(name, chain, f"archive bomb suspected: {what}; delivery {self.name} may inflate to at most "
                                     f"{self.describe()}, {self.used:,} inflated so far; the {self.found} file(s) "
                                     f"found before this one were landed (or skipped, or quarantined) as usual, "
                                     f"the rest of the delivery was not read")


@dataclass(frozen=True)
class Member:
    """A file found inside the delivery, ready to be landed."""

    name: str  # base name
    data: bytes
    chain: tuple[str, ...]  # outermost first, this member last


@dataclass(frozen=True)
class Rejected:
    """Something inside the delivery that must go to quarantine."""

    name: str
    chain: tuple[str, ...]
    reason: str
    data: bytes | None = None  # kept in quarantine when safe to keep


def kind_of(name: str, head: bytes) -> str:
    lower = name.lower()
    if head.startswith((b"PK\x03\x04", b"PK\x05\x06")):
        return "xlsx" if lower.endswith((".xlsx", ".xlsm")) else "zip"
    if head.startswith(b"\x1f\x8b"):
        return "gzip"
    if len(head) > 262 and head[257:262] == b"ustar":
        return "tar"
    if lower.endswith((".zip", ".xlsx", ".tar", ".tgz", ".gz")):
        return "broken-archive"
    return "file"


def _unsafe_member_path(member_name: str) -> bool:
    norm = member_name.replace("\\", "/")
    if norm.startswith("/") or (len(norm) > 1 and norm[1] == ":"):
        return True
    return ".." in posixpath.normpath(norm).split("/")


def output_bound(name: str, data: bytes, limits: Limits) -> int:
    """At most how many bytes landing the delivered file `name` writes besides its raw copy.

    An archive: its budget (everything it inflates to is landed or quarantined at most once; re-encoding of a
    non-UTF-8 member is not counted). A plain file: its size re-encoded as UTF-8. A broken archive: its size.
    """
    kind = kind_of(name, data[:512])
    if kind == "file":
        return TEXT_GROWTH * len(data)
    if kind == "broken-archive":
        return len(data)
    return max(Budget(name, len(data), limits).limit, len(data))


def iter_members(name: str, data: bytes, budget: Budget | None = None) -> Iterator[Member | Rejected]:
    """The files inside the delivered file `name` (bytes `data`), recursively, within `budget` (by default the
    limits from the environment): Members to land, Rejected ones for quarantine."""
    budget = budget or Budget(name, len(data))
    for item in _members(name, data, (), budget):
        yield item
        budget.found += 1


def _members(name: str, data: bytes, chain: tuple[str, ...], budget: Budget) -> Iterator[Member | Rejected]:
    chain = chain + (name,)
    if len(chain) > MAX_DEPTH + 1:
        yield Rejected(name, chain, f"archives nested deeper than {MAX_DEPTH} levels")
        return
    kind = kind_of(name, data[:512])
    if kind == "zip":
        yield from _zip_members(name, data, chain, budget)
    elif kind == "xlsx":
        yield from _xlsx_members(name, data, chain, budget)
    elif kind == "tar":
        yield from _tar_members(name, data, chain, budget)
    elif kind == "gzip":
        yield from _gzip_members(name, data, chain, budget)
    elif kind == "broken-archive":
        text = data[:200].lstrip().lower()
        if text.startswith((b"<", b"{")):
            yield Rejected(name, chain, "an HTML/XML/JSON error page saved under an archive name", data)
        else:
            yield Rejected(name, chain, "corrupt archive: not a readable zip/tar/gzip/xlsx", data)
    else:
        yield Member(posixpath.basename(name.replace("\\", "/")), data, chain)


READ_CHUNK = 1 << 20
_ZIP_ERRORS = (zipfile.BadZipFile, zlib.error, OSError, EOFError, ValueError, NotImplementedError, RuntimeError)


def _read_upto(fh: io.BufferedIOBase, limit: int) -> bytes:
    """At most `limit` + 1 bytes of `fh` (one more than allowed says there is more), read in chunks so that memory
    follows what is there, not the limit."""
    chunks: list[bytes] = []
    got = 0
    while got <= limit:
        chunk = fh.read(min(READ_CHUNK, limit + 1 - got))
        if not chunk:
            break
        chunks.append(chunk)
        got += len(chunk)
    return b"".join(chunks)


def _too_big(kind: str, name: str, chain: tuple[str, ...], what: str, size: int, compressed: int,
             budget: Budget) -> Rejected:
    """The Rejected for a member of at least `size` bytes (`what` says so, naming it) over one of its limits: its
    own ratio (skip it), the one-member cap (skip it) or the delivery's budget (stop reading the delivery)."""
    ratio_limit = budget.limits.by_ratio(compressed)
    if size > ratio_limit:
        return Rejected(name, chain, f"{kind} bomb suspected: {what} from {compressed:,} compressed, over the limit "
                                     f"of {budget.limits.max_ratio:g}x = {ratio_limit:,} bytes ({RATIO_ENV})")
    if size > MAX_MEMBER_BYTES:
        return Rejected(name, chain, f"member too large: {what}, over {MAX_MEMBER_BYTES:,} bytes")
    return budget.exceed(name, chain, f"{what}, more than the {budget.left:,} bytes left of its budget")


def _zip_members(name: str, data: bytes, chain: tuple[str, ...], budget: Budget) -> Iterator[Member | Rejected]:
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
        infos = zf.infolist()
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        yield Rejected(name, chain, f"corrupt zip: {exc}", data)
        return
    if not infos:
        yield Rejected(name, chain, "empty zip: no members", data)
        return
    for info in infos:
        if budget.exceeded:
            return
        if info.is_dir():
            continue
        member_chain = chain + (info.filename,)
        if _unsafe_member_path(info.filename):
            yield Rejected(info.filename, member_chain, "zip-slip: member path escapes the target folder")
            continue
        payload = _read_zip_member(data, zf, info, member_chain, budget)
        if isinstance(payload, Rejected):
            yield payload
        else:
            yield from _members(info.filename, payload, chain, budget)


def _read_zip_member(data: bytes, zf: zipfile.ZipFile, info: zipfile.ZipInfo, chain: tuple[str, ...],
                     budget: Budget) -> bytes | Rejected:
    """The member's bytes, never reading past its limits; a header declaring more is rejected unread."""
    limit = min(budget.limits.by_ratio(info.compress_size), MAX_MEMBER_BYTES, budget.left)
    if info.file_size > limit:
        return _too_big("zip", info.filename, chain, f"{info.filename} declares {info.file_size:,} bytes",
                        info.file_size, info.compress_size, budget)
    if info.flag_bits & 0x1:
        return Rejected(info.filename, chain, "encrypted zip member: it needs a password")
    try:
        if info.compress_type == zipfile.ZIP_BZIP2:
            payload = _read_bzip2(data, info, limit)
        elif info.compress_type in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
            with zf.open(info) as fh:
                payload = _read_upto(fh, limit)
        else:
            return Rejected(info.filename, chain, f"zip member compressed with method {info.compress_type} "
                                                  f"(e.g. LZMA): only stored, deflate and bzip2 members are read")
    except _ZIP_ERRORS as exc:
        return Rejected(info.filename, chain, f"corrupt zip member: {exc}")
    if len(payload) > limit:  # the header lied (only bzip2 gets here: zipfile stops at the declared size)
        rejected = _too_big("zip", info.filename, chain,
                            f"{info.filename} inflates past {limit:,} bytes (it declares {info.file_size:,})",
                            len(payload), info.compress_size, budget)
        budget.used += len(payload)
        return rejected
    budget.used += len(payload)
    return payload


def _read_bzip2(data: bytes, info: zipfile.ZipInfo, limit: int) -> bytes:
    """A bzip2 member, at most `limit` + 1 bytes of it. Not through zipfile: it inflates a whole chunk of a bzip2
    member at once, and bzip2 reaches a million to one. Checked against its header's size and CRC as zipfile does."""
    start = info.header_offset
    if data[start:start + 4] != b"PK\x03\x04":
        raise zipfile.BadZipFile(f"bad local header for {info.filename!r}")
    name_len, extra_len = struct.unpack_from("<HH", data, start + 26)
    begin = start + 30 + name_len + extra_len
    payload = bz2.BZ2Decompressor().decompress(memoryview(data)[begin:begin + info.compress_size], limit + 1)
    if len(payload) <= limit and (len(payload) != info.file_size or zlib.crc32(payload) != info.CRC):
        raise zipfile.BadZipFile(f"Bad CRC-32 or size for file {info.filename!r}")
    return payload


def _tar_members(name: str, data: bytes, chain: tuple[str, ...], budget: Budget) -> Iterator[Member | Rejected]:
    """Members of an uncompressed tar in memory: slices of bytes already counted, except sparse ones (refused)."""
    try:
        tf = tarfile.open(fileobj=io.BytesIO(data), mode="r:")
        infos = tf.getmembers()
    except (tarfile.TarError, OSError, EOFError, ValueError) as exc:
        yield Rejected(name, chain, f"corrupt tar: {exc}", data)
        return
    for info in infos:
        if budget.exceeded:
            return
        member_chain = chain + (info.name,)
        if info.isdir():
            continue
        if not info.isfile() or _unsafe_member_path(info.name):
            yield Rejected(info.name, member_chain, "tar member is a link or escapes the target folder")
            continue
        if info.issparse():
            yield Rejected(info.name, member_chain, f"sparse tar member: {info.size:,} bytes mostly made of holes")
            continue
        if info.size > MAX_MEMBER_BYTES:
            yield Rejected(info.name, member_chain, f"member too large: {info.size:,} bytes")
            continue
        fh = tf.extractfile(info)
        if fh is None:
            continue
        try:
            payload = fh.read()
        except (tarfile.TarError, OSError, EOFError) as exc:
            yield Rejected(info.name, member_chain, f"corrupt tar member: {exc}")
            continue
        yield from _members(info.name, payload, chain, budget)


def _gzip_members(name: str, data: bytes, chain: tuple[str, ...], budget: Budget) -> Iterator[Member | Rejected]:
    limit = min(budget.limits.by_ratio(len(data)), MAX_MEMBER_BYTES, budget.left)
    declared = int.from_bytes(data[-4:], "little") if len(data) >= 18 else 0  # ISIZE: last stream's size mod 2**32
    if declared > limit:
        yield _too_big("gzip", name, chain, f"{name} declares {declared:,} bytes", declared, len(data), budget)
        return
    try:
        with gzip.GzipFile(fileobj=io.BytesIO(data)) as gz:
            payload = _read_upto(gz, limit)
    except (OSError, EOFError, zlib.error) as exc:
        yield Rejected(name, chain, f"corrupt gzip: {exc}", data)
        return
    if len(payload) > limit:
        yield _too_big("gzip", name, chain, f"{name} inflates past {limit:,} bytes", len(payload), len(data), budget)
        budget.used += len(payload)
        return
    budget.used += len(payload)
    if len(payload) > 262 and payload[257:262] == b"ustar":
        yield from _tar_members(name, payload, chain, budget)
        return
    inner = name[:-3] if name.lower().endswith(".gz") else name[:-4] + ".tar" if name.lower().endswith(".tgz") else name
    yield from _members(inner, payload, chain, budget)


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        if value.time() == dt.time(0, 0):
            return value.strftime("%m/%d/%Y")
        return value.strftime("%m/%d/%Y %H:%M:%S")
    if isinstance(value, dt.date):
        return value.strftime("%m/%d/%Y")
    if isinstance(value, dt.time):
        return value.strftime("%H:%M")
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    return str(value).strip()


def _csv_line(values: list[str]) -> str:
    out = []
    for v in values:
        out.append('"' + v.replace('"', '""') + '"' if any(c in v for c in ',"\n') else v)
    return ",".join(out)


def _xlsx_members(name: str, data: bytes, chain: tuple[str, ...], budget: Budget) -> Iterator[Member | Rejected]:
    """One CSV per sheet that has data rows (ERCOT's unpublished months are header-only sheets).

    openpyxl inflates the workbook's parts itself, so they are checked before it opens them: each part's declared
    size against the ratio (zipfile never yields more than a part declares) and all of them against the budget.
    The CSV made from the sheets counts too: a shared string repeated in many cells inflates without a big part.
    """
    import openpyxl  # imported here: only yearly archives need it

    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            infos = zf.infolist()
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        yield Rejected(name, chain, f"corrupt xlsx: {exc}", data)
        return
    for info in infos:
        if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED) or info.flag_bits & 0x1:
            yield Rejected(name, chain, f"xlsx part {info.filename} is encrypted or compressed with method "
                                        f"{info.compress_type}: only stored and deflate parts are opened")
            return
        if info.file_size > min(budget.limits.by_ratio(info.compress_size), MAX_MEMBER_BYTES):
            yield _too_big("xlsx", name, chain, f"part {info.filename} of {name} declares {info.file_size:,} bytes",
                           info.file_size, info.compress_size, budget)
            return
    declared = sum(info.file_size for info in infos)
    if declared > budget.left:
        yield budget.exceed(name, chain, f"the parts of {name} declare {declared:,} bytes, more than the "
                                         f"{budget.left:,} bytes left of its budget")
        return
    budget.used += declared
    try:
        wb = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many types for a broken workbook
        yield Rejected(name, chain, f"corrupt xlsx: {exc}", data)
        return
    stem = posixpath.basename(name.replace("\\", "/")).rsplit(".", 1)[0]
    try:
        for ws in wb.worksheets:
            left = budget.left
            csv = _sheet_csv(ws, budget)
            if csv is None:
                yield budget.exceed(name, chain + (ws.title,), f"sheet {ws.title} of {name} makes more than the "
                                                               f"{left:,} bytes of CSV left of its budget")
                return
            if csv:
                sheet_name = f"{stem}_{ws.title}.csv".replace(" ", "_")
                yield Member(sheet_name, csv, chain + (ws.title,))
    except Exception as exc:  # a part failing its CRC or not parsing shows only while the sheet is read
        yield Rejected(name, chain, f"corrupt xlsx: {exc}", data)
    finally:
        wb.close()


def _sheet_csv(ws, budget: Budget) -> bytes | None:
    """The sheet as CSV (b"" when it has no data rows), or None when it would exceed the budget.

    Each row is charged before it is converted: its text cells' lengths plus one per cell (its separator), so
    neither a long shared string repeated in many cells nor rows padded to 16,384 columns run away.
    """
    ws.reset_dimensions()  # the declared dimension would pad every row to its width: use the cells there are
    lines: list[str] = []
    width = 0
    for row in ws.iter_rows(values_only=True):
        if lines:
            row = row[:width]
        budget.used += len(row) + 1 + sum(len(v) for v in row if type(v) is str)
        if budget.used > budget.limit:
            return None
        cells = [_cell(v) for v in row]
        if not lines:
            while cells and cells[-1] == "":
                cells.pop()
            width = len(cells)
            if width == 0:
                continue
        cells = (cells + [""] * width)[:width]
        if any(cells):
            lines.append(_csv_line(cells))
    if len(lines) <= 1:
        return b""
    return ("\n".join(lines) + "\n").encode("utf-8")
