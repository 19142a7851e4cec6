"""Turn any delivered CSV into the landed form: UTF-8, LF line endings, trimmed header cells."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass

from charset_normalizer import from_bytes


class NotCsv(ValueError):
    """The bytes are not a usable CSV (empty, an HTML/XML page, binary)."""


@dataclass(frozen=True)
class NormalisedCsv:
    data: bytes  # UTF-8, LF
    encoding: str  # what the input was
    header: list[str]  # trimmed cells
    rows: int  # data rows (lines after the header that are not blank)


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


def normalise(raw: bytes) -> NormalisedCsv:
    """Decode, convert line endings, trim header cells, count rows. Raises NotCsv with a reason."""
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
