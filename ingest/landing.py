"""Stage 1: land any raw delivery.

    land(iso, paths) -> LandingSummary

Every input is copied unmodified to `raw_downloads/`; every CSV inside it (through any nesting of archives) is
normalised (UTF-8, LF, trimmed header) and written to `csv_files/<dataset>/<format>/<original name>`; anything
unusable goes to `quarantine/` with a reason. Writes go to `*.part` and are renamed into place, and the registry
is written only after the files it lists are complete, so a killed run followed by a rerun gives the result of
one clean run. A CSV whose landed content (sha256) is already registered is skipped.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
import os
import time
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from . import reports
from .archives import Member, Rejected, iter_members
from .config import IsoPaths, data_dir
from .published import published_at
from .registry import Registry, write_atomic, write_schema_registry
from .textfile import NotCsv, normalise

log = logging.getLogger(__name__)

CHECKPOINT_FILES = 5000  # registry written at least every this many landed files
CHECKPOINT_SECONDS = 30.0


@dataclass
class LandingSummary:
    iso: str
    inputs: int = 0
    landed: Counter = field(default_factory=Counter)  # dataset -> files
    skipped: Counter = field(default_factory=Counter)  # dataset -> files already landed
    quarantined: list[tuple[str, str]] = field(default_factory=list)  # (name, reason)
    rows: Counter = field(default_factory=Counter)  # dataset -> rows landed
    seconds: float = 0.0

    @property
    def n_landed(self) -> int:
        return sum(self.landed.values())

    @property
    def n_skipped(self) -> int:
        return sum(self.skipped.values())

    def render(self) -> str:
        lines = [f"{self.iso}: {self.inputs} input file(s) in {self.seconds:.1f}s: "
                 f"{self.n_landed} landed, {self.n_skipped} skipped as already landed, "
                 f"{len(self.quarantined)} quarantined"]
        for ds in sorted(set(self.landed) | set(self.skipped)):
            lines.append(f"  {ds:<12} landed {self.landed[ds]:>7} ({self.rows[ds]:,} rows)  skipped {self.skipped[ds]:>7}")
        for name, reason in self.quarantined[:20]:
            lines.append(f"  quarantined {name}: {reason}")
        if len(self.quarantined) > 20:
            lines.append(f"  ... and {len(self.quarantined) - 20} more (see quarantine/)")
        return "\n".join(lines)


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def expand_inputs(paths: Iterable[Path]) -> list[Path]:
    files: list[Path] = []
    for p in paths:
        p = Path(p)
        if p.is_dir():
            files.extend(sorted(f for f in p.rglob("*") if f.is_file() and not f.name.startswith(".")
                                and not f.name.endswith(".part")))
        elif p.is_file():
            files.append(p)
        else:
            raise FileNotFoundError(f"no such file or folder: {p}")
    return files


def _free_name(folder: Path, name: str, digest: str, same: callable) -> tuple[Path, bool]:
    """Where a file named `name` with this content goes, and whether it is already there.

    The original name is kept; a different file already holding that name keeps it, and the newcomer
    gets `<stem>__<sha12><suffix>` (ERCOT's repeated DST hour can publish two files under one name).
    """
    target = folder / name
    if not target.exists():
        return target, False
    if same(target):
        return target, True
    stem, dot, suffix = name.rpartition(".")
    alt = folder / (f"{stem}__{digest[:12]}.{suffix}" if dot else f"{name}__{digest[:12]}")
    return alt, alt.exists() and same(alt)


def _write_new(target: Path, data: bytes) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(target.name + ".part")
    with open(tmp, "wb") as fh:
        fh.write(data)
    os.replace(tmp, target)


def _file_sha(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


class Lander:
    def __init__(self, iso: str, base: Path | None = None):
        self.paths = IsoPaths.of(iso, base or data_dir())
        self.iso = self.paths.iso
        self.registry = Registry(self.paths)
        self.summary = LandingSummary(self.iso)
        self._since_flush = 0
        self._last_flush = time.monotonic()

    # -- originals -------------------------------------------------------------------------------------------
    def keep_original(self, path: Path, data: bytes) -> Path:
        raw = self.paths.raw_downloads
        try:
            path.resolve().relative_to(raw.resolve())
            return path  # a downloader already put it there
        except ValueError:
            pass
        digest = sha256(data)
        target, present = _free_name(raw, path.name, digest, lambda t: t.stat().st_size == len(data)
                                     and _file_sha(t) == digest)
        if not present:
            _write_new(target, data)
        return target

    # -- quarantine ------------------------------------------------------------------------------------------
    def quarantine(self, name: str, chain: tuple[str, ...], reason: str, data: bytes | None,
                   extra: dict | None = None) -> None:
        q = self.paths.quarantine
        q.mkdir(parents=True, exist_ok=True)
        key = sha256((data or b"") + "/".join(chain).encode())[:12]
        base = f"{key}_{Path(name.replace(chr(92), '/')).name or 'unnamed'}"
        if data is not None:
            _write_new(q / base, data)
        record = {"name": name, "archive_chain": list(chain), "reason": reason,
                  "quarantined_at": dt.datetime.now(dt.timezone.utc).isoformat(), **(extra or {})}
        reason_file = q / f"{base}.reason.json"
        if reason_file.exists():  # keep the first time we saw it
            record["quarantined_at"] = json.loads(reason_file.read_text())["quarantined_at"]
        write_atomic(reason_file, json.dumps(record, indent=1).encode())
        self.summary.quarantined.append((name, reason))
        log.warning("quarantined %s: %s", "/".join(chain), reason)

    # -- one CSV ---------------------------------------------------------------------------------------------
    def land_member(self, member: Member, source: str, downloaded_at: str | None) -> None:
        try:
            csv = normalise(member.data)
        except NotCsv as exc:
            self.quarantine(member.name, member.chain, str(exc), member.data)
            return
        report = reports.by_name(self.iso, member.name) or reports.by_header(self.iso, csv.header)
        if report is None:
            self.quarantine(member.name, member.chain,
                            f"unknown report: neither the file name nor the header ({','.join(csv.header)}) "
                            f"matches a row of seeds/iso_reports.csv for {self.iso}", member.data)
            return
        if reports.normalise_header(csv.header) not in reports.known_headers(self.iso, report.format):
            self.quarantine(member.name, member.chain,
                            f"header differs from the registered header of {report.report_id} ({report.format}): "
                            f"got {','.join(csv.header)}", member.data,
                            {"dataset": report.dataset, "format": report.format, "header": ",".join(csv.header)})
            return
        digest = sha256(csv.data)
        if digest in self.registry:
            self.summary.skipped[report.dataset] += 1
            return
        name = member.name if member.name.lower().endswith(".csv") else member.name + ".csv"
        folder = self.paths.csv_files / report.dataset / report.format
        target, present = _free_name(folder, name, digest,
                                     lambda t: t.stat().st_size == len(csv.data) and _file_sha(t) == digest)
        if not present:
            _write_new(target, csv.data)
        published = published_at(self.iso, member.chain)
        self.registry.add({
            "iso": self.iso,
            "dataset": report.dataset,
            "format": report.format,
            "path": target.relative_to(self.paths.root).as_posix(),
            "file_name": target.name,
            "source": source,
            "archive_chain": list(member.chain),
            "sha256": digest,
            "bytes": len(csv.data),
            "rows": csv.rows,
            "encoding": csv.encoding,
            "header": ",".join(csv.header),
            "downloaded_at": downloaded_at,
            "landed_at": dt.datetime.now(dt.timezone.utc).isoformat(),
            "published_at": published.isoformat() if published else None,
        })
        self.summary.landed[report.dataset] += 1
        self.summary.rows[report.dataset] += csv.rows
        self._since_flush += 1

    def maybe_checkpoint(self) -> None:
        if self._since_flush >= max(CHECKPOINT_FILES, len(self.registry.entries) // 10) or (
            self._since_flush and time.monotonic() - self._last_flush > CHECKPOINT_SECONDS
        ):
            self.registry.flush()
            self._since_flush = 0
            self._last_flush = time.monotonic()

    # -- one delivered file ----------------------------------------------------------------------------------
    def land_file(self, path: Path, source: str | None = None, downloaded_at: str | None = None) -> None:
        data = path.read_bytes()
        self.keep_original(path, data)
        src = source or str(path.resolve())
        items: Iterator[Member | Rejected] = iter_members(path.name, data)
        for item in items:
            if isinstance(item, Rejected):
                self.quarantine(item.name, item.chain, item.reason, item.data)
            else:
                self.land_member(item, src, downloaded_at)
        self.summary.inputs += 1
        self.maybe_checkpoint()

    def finish(self) -> LandingSummary:
        self.registry.flush()
        write_schema_registry(self.paths, self.registry)
        return self.summary


def clean_partials(paths: IsoPaths) -> None:
    """Remove `*.part` files a killed run left behind (they are never registered)."""
    for folder in (paths.csv_files, paths.raw_downloads, paths.quarantine):
        if folder.exists():
            for part in folder.rglob("*.part"):
                part.unlink(missing_ok=True)


def land(iso: str, inputs: Iterable[Path], *, base: Path | None = None, source: str | None = None,
         downloaded_at: dt.datetime | str | None = None, progress: bool = False) -> LandingSummary:
    """Land files or folders for one ISO. `source` (e.g. the download URL) applies to every input when given."""
    started = time.monotonic()
    lander = Lander(iso, base)
    clean_partials(lander.paths)
    files = expand_inputs(inputs)
    when = downloaded_at.isoformat() if isinstance(downloaded_at, dt.datetime) else downloaded_at
    if progress:
        import click

        with click.progressbar(files, label=f"landing {lander.iso}", show_pos=True,
                               item_show_func=lambda p: p.name if p else "") as bar:
            for f in bar:
                lander.land_file(f, source, when)
    else:
        for f in files:
            lander.land_file(f, source, when)
    summary = lander.finish()
    summary.seconds = time.monotonic() - started
    from .monitor.history import record_landing  # run history (never fails the landing)
    record_landing(lander.paths, summary)
    return summary


def land_paths(iso: str, paths: Iterable[Path], **kwargs) -> LandingSummary:
    """Alias used by the downloaders."""
    return land(iso, paths, **kwargs)

