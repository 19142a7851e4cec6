"""Placing files: the one set of rules for what the downloaders and landing write.

    part = part_for(target)                     # <target>.part, in the target's own folder
    with writing(part) as fh: ...               # fsynced when the block ends, removed when it raises
    path = place(part, target)                  # a finished part renamed into a free name (or dropped: same content)
    path, present = free_name(folder, name, digest, size, taken)   # where new content goes, whether it is there
    write_new(target, data)                     # bytes written through <target>.part and renamed into place

- Atomic: a file is written to `<name>.part` next to where it goes and renamed into place once complete (a rename
  within one folder), so a reader, or a later run, finds it whole or not at all. A write that fails, a full disk
  (ENOSPC, EDQUOT) among others, removes its part file and raises the error as it came: landing turns a full disk
  into a LandingError. A killed run's part files are removed by landing.clean_partials.
- fsync: `writing` fsyncs by default (downloads); landing's CSVs and quarantined files are written without
  (`write_new`: thousands of small files, and a killed landing is redone from the originals).
- Never overwrite: a file keeps its name unless another file with other content holds it, or it is `taken` (a name
  promised to a file not written yet); the newcomer then becomes `<stem>__<sha12>.<suffix>` (ERCOT's repeated DST
  hour can publish two files under one name), and should that name be held by other content too (a file delivered
  under that name), `<stem>__<sha12>_2.<suffix>`, `_3`, ...
- Same content (size and sha256) already under the chosen name is `present`: `place` drops the part file, landing
  writes nothing.
"""

from __future__ import annotations

import hashlib
import itertools
import os
from collections.abc import Container, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any

#: The ending of a download's part file: landing (landing.clean_partials) leaves it alone while it is fresh, as a
#: transfer may be in flight; every other part file is landing's own.
DOWNLOAD_PART = ".download.part"


def part_for(target: Path, *, download: bool = False) -> Path:
    """The part file `target` is written to before it is renamed into place (`download`: by a downloader)."""
    return target.with_name(target.name + (DOWNLOAD_PART if download else ".part"))


@contextmanager
def writing(part: Path, mode: str = "wb", *, fsync: bool = True, **open_args: Any) -> Iterator[IO]:
    """`part` open for writing: flushed and fsynced (unless `fsync=False`) when the block ends, removed when the
    block (or the flush) raises."""
    try:
        with open(part, mode, **open_args) as fh:
            yield fh
            if fsync:
                fh.flush()
                os.fsync(fh.fileno())
    except BaseException:
        part.unlink(missing_ok=True)
        raise


def write_new(target: Path, data: bytes, *, fsync: bool = False) -> None:
    """Write `target` through its part file (a free name: see `free_name`); a failed write (a full disk) leaves
    neither behind."""
    target.parent.mkdir(parents=True, exist_ok=True)
    part = part_for(target)
    with writing(part, fsync=fsync) as fh:
        fh.write(data)
    os.replace(part, target)


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _names(name: str, digest: str) -> Iterator[str]:
    """`name`, then its alternatives for content `digest`: `<stem>__<sha12>.<suffix>`, then `..._2`, `..._3`, ..."""
    yield name
    stem, dot, suffix = name.rpartition(".")
    for n in itertools.count(1):
        tag = digest[:12] if n == 1 else f"{digest[:12]}_{n}"
        yield f"{stem}__{tag}.{suffix}" if dot else f"{name}__{tag}"


def free_name(folder: Path, name: str, digest: str, size: int,
              taken: Container[Path] = ()) -> tuple[Path, bool]:
    """Where a file named `name` with this content (`digest`: its sha256, `size` bytes) goes, and whether it is
    already there: the first of `name` and its alternatives (module docstring) that is not `taken` and holds
    nothing or this very content."""
    for candidate in _names(name, digest):
        target = folder / candidate
        if target in taken:
            continue
        if not target.exists():
            return target, False
        if target.stat().st_size == size and sha256_file(target) == digest:
            return target, True
    raise AssertionError("unreachable")  # pragma: no cover


def place(part: Path, target: Path) -> Path:
    """Rename a finished part file to `target`, or to a free name when another file holds it (originals are never
    overwritten); when the content is there already, the part file is dropped. Returns where the content is."""
    if not target.exists():  # the usual case: nothing to read back
        os.replace(part, target)
        return target
    where, present = free_name(target.parent, target.name, sha256_file(part), part.stat().st_size)
    if present:
        part.unlink()
    else:
        os.replace(part, where)
    return where
