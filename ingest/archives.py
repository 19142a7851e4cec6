"""Open whatever was delivered and yield the files inside: zips, zip-in-zip, tar(.gz), gzip, .xlsx, plain files.

Nothing is extracted to disk here: members are read into memory one at a time and handed to the landing step,
so a hostile member path (zip-slip) can never write outside the data folder; it is reported and rejected.
"""

from __future__ import annotations

import datetime as dt
import gzip
import io
import posixpath
import tarfile
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass

MAX_DEPTH = 5  # archives inside archives
MAX_MEMBER_BYTES = 2 * 1024**3  # one extracted member
MAX_RATIO = 200  # uncompressed / compressed, for members above BOMB_MIN_BYTES
BOMB_MIN_BYTES = 16 * 1024**2


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


def iter_members(name: str, data: bytes, chain: tuple[str, ...] = ()) -> Iterator[Member | Rejected]:
    """Recursively yield the files inside `data` (named `name`)."""
    chain = chain + (name,)
    if len(chain) > MAX_DEPTH + 1:
        yield Rejected(name, chain, f"archives nested deeper than {MAX_DEPTH} levels")
        return
    kind = kind_of(name, data[:512])
    if kind == "zip":
        yield from _zip_members(name, data, chain)
    elif kind == "xlsx":
        yield from _xlsx_members(name, data, chain)
    elif kind == "tar":
        yield from _tar_members(name, data, chain, mode="r:")
    elif kind == "gzip":
        yield from _gzip_members(name, data, chain)
    elif kind == "broken-archive":
        text = data[:200].lstrip().lower()
        if text.startswith((b"<", b"{")):
            yield Rejected(name, chain, "an HTML/XML/JSON error page saved under an archive name", data)
        else:
            yield Rejected(name, chain, "corrupt archive: not a readable zip/tar/gzip/xlsx", data)
    else:
        yield Member(posixpath.basename(name.replace("\\", "/")), data, chain)


def _zip_members(name: str, data: bytes, chain: tuple[str, ...]) -> Iterator[Member | Rejected]:
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
        if info.is_dir():
            continue
        member_chain = chain + (info.filename,)
        if _unsafe_member_path(info.filename):
            yield Rejected(info.filename, member_chain, "zip-slip: member path escapes the target folder")
            continue
        if info.file_size > MAX_MEMBER_BYTES or (
            info.file_size > BOMB_MIN_BYTES and info.file_size > MAX_RATIO * max(info.compress_size, 1)
        ):
            yield Rejected(
                info.filename,
                member_chain,
                f"zip bomb suspected: {info.file_size} bytes from {info.compress_size} compressed",
            )
            continue
        try:
            with zf.open(info) as fh:
                payload = fh.read(MAX_MEMBER_BYTES + 1)
        except (zipfile.BadZipFile, OSError, EOFError, ValueError, NotImplementedError) as exc:
            yield Rejected(info.filename, member_chain, f"corrupt zip member: {exc}")
            continue
        if len(payload) > MAX_MEMBER_BYTES:
            yield Rejected(info.filename, member_chain, "zip bomb suspected: member larger than declared")
            continue
        yield from iter_members(info.filename, payload, chain)


def _tar_members(name: str, data: bytes, chain: tuple[str, ...], mode: str) -> Iterator[Member | Rejected]:
    try:
        tf = tarfile.open(fileobj=io.BytesIO(data), mode=mode)
        infos = tf.getmembers()
    except (tarfile.TarError, OSError, EOFError) as exc:
        yield Rejected(name, chain, f"corrupt tar: {exc}", data)
        return
    for info in infos:
        member_chain = chain + (info.name,)
        if info.isdir():
            continue
        if not info.isfile() or _unsafe_member_path(info.name):
            yield Rejected(info.name, member_chain, "tar member is a link or escapes the target folder")
            continue
        if info.size > MAX_MEMBER_BYTES:
            yield Rejected(info.name, member_chain, f"member too large: {info.size} bytes")
            continue
        fh = tf.extractfile(info)
        if fh is None:
            continue
        try:
            payload = fh.read()
        except (tarfile.TarError, OSError, EOFError) as exc:
            yield Rejected(info.name, member_chain, f"corrupt tar member: {exc}")
            continue
        yield from iter_members(info.name, payload, chain)


def _gzip_members(name: str, data: bytes, chain: tuple[str, ...]) -> Iterator[Member | Rejected]:
    try:
        with gzip.GzipFile(fileobj=io.BytesIO(data)) as gz:
            payload = gz.read(MAX_MEMBER_BYTES + 1)
    except (OSError, EOFError) as exc:
        yield Rejected(name, chain, f"corrupt gzip: {exc}", data)
        return
    if len(payload) > MAX_MEMBER_BYTES or (
        len(payload) > BOMB_MIN_BYTES and len(payload) > MAX_RATIO * max(len(data), 1)
    ):
        yield Rejected(name, chain, "gzip bomb suspected")
        return
    if len(payload) > 262 and payload[257:262] == b"ustar":
        yield from _tar_members(name, payload, chain, mode="r:")
        return
    inner = name[:-3] if name.lower().endswith(".gz") else name[:-4] + ".tar" if name.lower().endswith(".tgz") else name
    yield from iter_members(inner, payload, chain)


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


def _xlsx_members(name: str, data: bytes, chain: tuple[str, ...]) -> Iterator[Member | Rejected]:
    """One CSV per sheet that has data rows (ERCOT's unpublished months are header-only sheets)."""
    import openpyxl  # imported here: only yearly archives need it

    try:
        wb = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many types for a broken workbook
        yield Rejected(name, chain, f"corrupt xlsx: {exc}", data)
        return
    stem = posixpath.basename(name.replace("\\", "/")).rsplit(".", 1)[0]
    try:
        for ws in wb.worksheets:
            lines: list[str] = []
            width = 0
            for row in ws.iter_rows(values_only=True):
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
            if len(lines) > 1:
                sheet_name = f"{stem}_{ws.title}.csv".replace(" ", "_")
                yield Member(sheet_name, ("\n".join(lines) + "\n").encode("utf-8"), chain + (ws.title,))
    finally:
        wb.close()
