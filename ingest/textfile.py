"""Turn any delivered CSV into the landed form: UTF-8, LF line endings between records, trimmed header cells.

A CSV is read as a CSV, not as lines: a quoted field may hold line breaks (`1,"x\n\ny"` is one record), and
`rows` counts records. What DuckDB then makes of the landed file is checked by ingest/validate.py.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from charset_normalizer import from_bytes


class NotCsv(ValueError):
    """The bytes are not a usable CSV (empty, an HTML/XML page, binary)."""


@dataclass(frozen=True)
class NormalisedCsv:
    data: bytes  # UTF-8, LF between records
    encoding: str  # what the input was
    header: list[str]  # trimmed cells
    rows: int  # data rows (records after the header that are not blank; a quoted line break does not count)


def detect_encoding(raw: bytes) -> str:
    if raw.startswith(b"\xef\xbb\xbf"):
        return "utf-8-sig"
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "utf-16"
    try:
        raw.decode("utf-8")
        return "utf-8"
    except UnicodeDecodeError:
        pass
    # US ISOs publish Western text: Windows-1252 (a superset of Latin-1's printable range) decodes any
    # Latin-1/CP1252 file exactly; only bytes undefined there call for real detection.
    try:
        raw.decode("cp1252")
        return "cp1252"
    except UnicodeDecodeError:
        pass
    best = from_bytes(raw[:200_000]).best()
    return best.encoding if best is not None else "latin-1"


def looks_like_markup(text: str) -> bool:
    head = text.lstrip()[:200].lower()
    return head.startswith(("<!doctype", "<html", "<?xml", "<")) and ">" in head


def _unquoted_records(text: str) -> list[str]:
    """Records of a text without any quote character: its lines (CRLF, CR and LF all end one)."""
    return text.replace("\r\n", "\n").replace("\r", "\n").split("\n")


def _without_line_end(record: str) -> str:
    if record.endswith("\r\n"):
        return record[:-2]
    return record[:-1] if record.endswith(("\n", "\r")) else record


@contextmanager
def _any_field_size() -> Iterator[None]:
    """Lift the csv module's field size limit (131,072 characters) for the duration: a field of any size is
    read, and left to the validation to judge (ingest/validate.py)."""
    previous = csv.field_size_limit(2**31 - 1)  # the largest every platform's C long holds
    try:
        yield
    finally:
        csv.field_size_limit(previous)


def _quoted_records(text: str) -> list[str]:
    """Records as Python's csv module finds them: a line break inside a quoted field belongs to the field.

    The reader is fed one line at a time (CRLF, CR and LF each end a line) and returns a record as soon as it is
    complete, so the lines it took for each record are exactly that record's text, kept as written.
    """
    taken: list[str] = []

    def lines() -> Iterator[str]:
        for line in io.StringIO(text, newline=""):
            taken.append(line)
            yield line

    records = []
    with _any_field_size():
        for _ in csv.reader(lines()):
            records.append(_without_line_end("".join(taken)))
            taken.clear()
    return records


def split_records(text: str) -> list[str]:
    """The records of a CSV text, each as written but without its line end; blank records included.

    Line ends outside quoted fields end a record; a quoted field keeps its line breaks. Without any `"` no field
    is quoted and the records are the lines (the fast path taken by almost every ISO file).
    """
    return _quoted_records(text) if '"' in text else _unquoted_records(text)


def parse_record(record: str) -> list[str]:
    """The fields of one record (csv module, default dialect)."""
    with _any_field_size():
        return next(csv.reader([record]), [])


def normalise(raw: bytes) -> NormalisedCsv:
    """Decode, convert line endings, trim header cells, count rows. Raises NotCsv with a reason.

    Records are found with CSV semantics (split_records): line endings become LF between records, a quoted field's
    content (line breaks included) is kept, blank records are dropped, and `rows` counts records, not lines. Each
    record keeps its original text (only the header is rewritten, trimmed), so a file without quoted line breaks
    or stray CRs lands byte for byte as it always did: the sha256 registry still recognises it.
    """
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
    header_record, *body = split_records(text)
    header = [c.strip() for c in parse_record(header_record)]
    if len(header) < 2:
        raise NotCsv(f"header has {len(header)} column(s): not a delimited file")
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerow(header)
    records = [r for r in body if r.strip()]
    rows = len(records)
    if rows == 0:
        raise NotCsv("empty: header only, no data rows")
    out.write("\n".join(records))
    out.write("\n")
    return NormalisedCsv(out.getvalue().encode("utf-8"), encoding.replace("_", "-"), header, rows)
