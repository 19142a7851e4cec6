"""Stage 1: land any raw delivery.

    land(iso, paths) -> LandingSummary

Every input is copied unmodified to `raw_downloads/`; every CSV inside it (through any nesting of archives) is
normalised (UTF-8, LF, trimmed header) and written to `csv_files/<dataset>/<format>/<original name>`; anything
unusable goes to `quarantine/` with a reason. Writes go to `*.part` and are renamed into place, never over another
file (ingest/files.py), and the registry is written only after the files it lists are complete, so a killed run
followed by a rerun gives the result of one clean run. A CSV whose landed content (sha256) is already registered
is skipped.

A CSV lands only once its dbt source reads it (ingest/validate.py). CSVs wait for that in hidden `.part` files and
are validated in batches (validate.PendingBatch: up to BATCH_FILES a query) when a batch is full, at a checkpoint
and at the end; then the valid ones are renamed into place and registered in the order they were delivered, the
others quarantined. The registry never lists a CSV that was not validated.

Delivered files are landed by ISO_LAND_WORKERS worker processes at once (default: one per CPU; 1: all in this
process), which read, unpack, normalise, hash, stage and validate; this process stays the one writer, applying
their results in the order the files were given (ingest/landing_pool.py), so the result is the serial one's.

Archive bombs are bounded in archives.py (ISO_MAX_RATIO, ISO_MAX_INPUT_BYTES). Before an input is landed, the free
space of the data directory's filesystem must hold the most it can write; a full disk (that check, or ENOSPC
while writing) stops landing with a LandingError, one line, after recording what was landed so far: no `.part`
file and no CSV missing from metadata.json is left behind.
"""

from __future__ import annotations

import datetime as dt
import errno
import hashlib
import json
import logging
import os
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import NoReturn

import duckdb
import humanize

from . import preambles, record_lines, repeated_hour, reports
from .archives import Budget, Limits, Member, Rejected, iter_members, output_bound
from .config import IsoPaths, data_dir, env_number
from .files import DOWNLOAD_PART, free_name, write_new
from .published import published_at
from .registry import Registry, RegistryError, export_registry, recorded_paths, write_atomic, write_schema_registry
from .textfile import NotCsv, normalise
from .validate import PendingBatch, Validator

log = logging.getLogger(__name__)

CHECKPOINT_FILES = 5000  # registry written at least every this many landed files
CHECKPOINT_SECONDS = 30.0
WORKERS_ENV = "ISO_LAND_WORKERS"  # delivered files landed at once (worker processes); 1: serial, in this process
# With ISO_LAND_WORKERS unset, fewer delivered files than this land in this process: starting the workers costs more
# than they save (measured: 778 small zips 0.46-0.51 s serial, 0.57-0.63 s with 2 workers). A value set is obeyed.
PARALLEL_MIN_FILES = 1000
NO_SPACE_ERRNOS = frozenset({errno.ENOSPC, errno.EDQUOT})
_write_new = write_new  # its former name here (tests/python/test_hostile_archives.py imports it)


class LandingError(Exception):
    """Landing cannot go on (the disk is full, a limit setting is unusable). Its message is one line for the user;
    what was landed before it is recorded in metadata.json, and nothing unrecorded is left in csv_files/."""


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


def quarantine_key(data: bytes | None, chain: tuple[str, ...]) -> str:
    """The start of a quarantined file's name: its bytes and where it was found, hashed (12 hex)."""
    h = hashlib.sha256(data or b"")
    h.update("/".join(chain).encode())
    return h.hexdigest()[:12]


def resolve(path: Path, folders: dict[Path, Path]) -> Path:
    """`path.resolve()`, each folder resolved once (`folders` remembers them): a file that is not a symbolic link
    resolves to its folder's resolved path and its name (resolving walks every component: ~40 us a file)."""
    folder = folders.get(path.parent)
    if folder is None:
        folder = folders[path.parent] = path.parent.resolve()
    return path.resolve() if path.is_symlink() else folder / path.name


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


@dataclass(frozen=True)
class _Where:
    """The ISO folder's places as plain strings, resolved once per landing: they are asked about for every input
    (pathlib would cost more than the check itself)."""

    root: str  # the ISO folder, with a trailing separator
    real_root: str  # the same, symlinks resolved
    real_raw: str  # raw_downloads/, symlinks resolved, with a trailing separator
    metadata: str

    @classmethod
    def of(cls, paths: IsoPaths) -> _Where:
        return cls(os.path.join(paths.root, ""), os.path.join(paths.root.resolve(), ""),
                   os.path.join(paths.raw_downloads.resolve(), ""), str(paths.metadata_json))

    def relative(self, path: Path) -> str:
        """`path` relative to the ISO folder when it is in it, else as given."""
        text = str(path)
        for root in (self.root, self.real_root):
            if text.startswith(root):
                return text[len(root):].replace(os.sep, "/")
        return text


def space_problem(where: _Where, name: str, resolved: str, data: bytes, limits: Limits) -> str | None:
    """Why the data directory's filesystem cannot take landing the delivered file `name` (None: it can): the most
    it may write is its raw copy, what it inflates to (archives.output_bound) and the rewrite of metadata.json."""
    raw_copy = 0 if resolved.startswith(where.real_raw) else len(data)
    try:
        registry = os.stat(where.metadata).st_size
    except FileNotFoundError:
        registry = 0
    need = raw_copy + output_bound(name, data, limits) + registry
    free = _free_bytes(where.root)
    if free >= need:
        return None
    size = humanize.naturalsize
    return (f"not enough free space to land {name} ({size(len(data))}): it may write up to {size(need)} and "
            f"{size(free)} are free under {where.root.rstrip(os.sep)}; free some space, or lower "
            f"ISO_MAX_INPUT_BYTES / ISO_MAX_RATIO, and rerun")


def landing_workers() -> int:
    """ISO_LAND_WORKERS: how many delivered files are landed at once (default: the CPUs this process may use)."""
    try:
        default = len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        default = os.cpu_count() or 1
    return int(env_number(WORKERS_ENV, default, unit="of worker processes", above_zero=True, whole=True))


def _no_space(exc: BaseException) -> bool:
    """Whether `exc` says the disk (or the quota) is full: an OSError, or DuckDB writing the warehouse."""
    if isinstance(exc, OSError):
        return exc.errno in NO_SPACE_ERRNOS
    return isinstance(exc, duckdb.Error) and "no space left on device" in str(exc).lower()


def _free_bytes(folder: str) -> int:
    """Free bytes (for an unprivileged writer) on the filesystem that holds, or will hold, `folder`."""
    while True:
        try:
            st = os.statvfs(folder)
            return st.f_bavail * st.f_frsize
        except FileNotFoundError:
            parent = os.path.dirname(folder.rstrip(os.sep)) or os.sep
            if parent == folder:
                raise
            folder = parent


def _remove_unrecorded(paths: IsoPaths) -> int:
    """Delete landed CSVs that metadata.json on disk does not list (a failed flush could not record them); they land
    again on the next run. Returns how many."""
    try:
        recorded = recorded_paths(paths)
    except (OSError, duckdb.Error):
        return 0  # an unreadable registry: delete nothing
    removed = 0
    for f in paths.csv_files.glob("*/*/*"):  # csv_files/<dataset>/<format>/<name>
        if f.is_file() and f.relative_to(paths.root).as_posix() not in recorded:
            f.unlink(missing_ok=True)
            removed += 1
    return removed


@dataclass(frozen=True)
class CsvFacts:
    """What landing a CSV needs to know of it besides its bytes (what a landing worker sends back)."""

    name: str  # the member's name
    chain: tuple[str, ...]
    dataset: str
    format: str
    digest: str  # sha256 of the normalised bytes
    size: int
    rows: int
    encoding: str
    header: str  # the trimmed header cells, comma-joined
    published_at: str | None


@dataclass(frozen=True)
class Refusal:
    """Why a member cannot land (it goes to quarantine with its bytes), and what its reason file adds."""

    reason: str
    extra: dict | None = None


def make_csv(iso: str, member: Member) -> tuple[CsvFacts, bytes] | Refusal:
    """Normalise and recognise one member: the landed bytes with their facts, or why it cannot land. Reads nothing
    but the member (a landing worker calls it too)."""
    data, name = member.data, member.name
    try:
        if preambles.applies(iso):  # MISO: title, day and time-convention lines above the header
            name = preambles.report_name(iso, name, member.chain)  # a CSV in a weekly zip: the zip's name
            data = preambles.without_preamble(iso, member.name, data, member.chain)
        elif record_lines.applies(iso):  # ISO-NE: C/H/D/T record-type lines
            data = record_lines.as_table(iso, member.name, data)
        csv = normalise(data)
    except (NotCsv, preambles.BadPreamble, record_lines.BadRecords) as exc:
        return Refusal(str(exc))
    report = reports.by_name(iso, name, csv.header) or reports.by_header(iso, csv.header)
    if report is None:
        return Refusal(f"unknown report: neither the file name nor the header ({','.join(csv.header)}) "
                       f"matches a row of seeds/iso_reports.csv for {iso}")
    if reports.normalise_header(csv.header) not in reports.known_headers(iso, report.format):
        return Refusal(f"header differs from the registered header of {report.report_id} ({report.format}): "
                       f"got {','.join(csv.header)}",
                       {"dataset": report.dataset, "format": report.format, "header": ",".join(csv.header)})
    landed = csv.data
    if repeated_hour.applies(iso, report.format):  # NYISO, ISO-NE: which pass of the fall-back hour, as a column
        try:
            landed = repeated_hour.with_occurrence(iso, report.format, member.name, landed)
        except repeated_hour.Unresolvable as exc:
            return Refusal(f"{report.report_id}: {exc}", {"dataset": report.dataset, "format": report.format})
    published = published_at(iso, member.chain)
    return CsvFacts(name, member.chain, report.dataset, report.format, sha256(landed), len(landed),
                    csv.rows, csv.encoding, ",".join(csv.header),
                    published.isoformat() if published else None), landed


@dataclass(eq=False)
class _Waiting:
    """A CSV staged for validation: its registry entry (landed_at aside), and what quarantining it takes."""

    entry: dict
    member: Member
    original: str | None  # the delivered file it came from (Lander._original)
    held: tuple[Path, str] | None = None  # its bytes for quarantine, written by a landing worker (Lander.quarantine)


class Lander:
    def __init__(self, iso: str, base: Path | None = None):
        self.paths = IsoPaths.of(iso, base or data_dir())
        self.iso = self.paths.iso
        try:
            self.registry = Registry(self.paths)
        except RegistryError as exc:
            raise LandingError(str(exc)) from None
        self.summary = LandingSummary(self.iso)
        self._since_flush = 0
        self._last_flush = time.monotonic()
        self._flush_seconds = 0.0  # what the last checkpoint's registry write took
        self._batch: PendingBatch | None = None  # made on first use: one DuckDB connection per Lander
        self._staged: set[str] = set()  # sha256 of the CSVs in the batch
        # landing_pool swaps these: a batch of CSVs its workers validated, and stopping them before _stop cleans up
        self.new_batch: Callable[[], PendingBatch] = lambda: PendingBatch(Validator())
        self.quiesce: Callable[[], None] = lambda: None
        self._folders: dict[Path, Path] = {}  # resolved folders of the delivered files (resolve)
        self._recorded = False  # metadata.json and the warehouse hold everything landed and quarantined so far

    # -- originals -------------------------------------------------------------------------------------------
    def keep_original(self, path: Path, data: bytes, resolved: Path | None = None) -> Path:
        raw = self.paths.raw_downloads
        if str(resolved or path.resolve()).startswith(self._where().real_raw):
            return path  # a downloader already put it there
        digest = sha256(data)
        target, present = free_name(raw, path.name, digest, len(data))
        if not present:
            write_new(target, data)
        return target

    # -- quarantine ------------------------------------------------------------------------------------------
    _original: str | None = None  # the delivered file being landed, as kept (path under the ISO folder)

    def quarantine(self, name: str, chain: tuple[str, ...], reason: str, data: bytes | None,
                   extra: dict | None = None, held: tuple[Path, str] | None = None) -> None:
        """Keep `data` (when given) in quarantine/ with a reason file naming the delivered file it came from.
        `held`: the data is already written, by a landing worker, to a part file: (part, quarantine_key(...)).

        The data is written first and the reason last; if the reason cannot be written (a full disk) the data
        written for it is removed again, so every quarantined file has its reason file.
        """
        q = self.paths.quarantine
        q.mkdir(parents=True, exist_ok=True)
        key = held[1] if held else quarantine_key(data, chain)
        base = f"{key}_{Path(name.replace(chr(92), '/')).name or 'unnamed'}"
        kept = q / base
        written = (data is not None or held is not None) and not kept.exists()  # content-addressed: present = same
        if written:
            if held:
                os.replace(held[0], kept)
            else:
                write_new(kept, data)
        elif held:
            held[0].unlink(missing_ok=True)
        record = {"name": name, "archive_chain": list(chain), "reason": reason,
                  "quarantined_at": dt.datetime.now(dt.UTC).isoformat(),
                  **({"original": self._original} if self._original else {}), **(extra or {})}
        reason_file = q / f"{base}.reason.json"
        try:
            if reason_file.exists():  # keep the first time we saw it
                record["quarantined_at"] = json.loads(reason_file.read_text())["quarantined_at"]
            write_atomic(reason_file, json.dumps(record, indent=1).encode())
        except BaseException:
            if written:
                kept.unlink(missing_ok=True)
            raise
        self.summary.quarantined.append((name, reason))
        self._recorded = False
        log.warning("quarantined %s: %s", "/".join(chain), reason)

    # -- one CSV ---------------------------------------------------------------------------------------------
    def land_member(self, member: Member, source: str, downloaded_at: str | None) -> None:
        """Normalise, recognise and stage one CSV for validation (or quarantine it, or skip it as already landed)."""
        made = make_csv(self.iso, member)
        if isinstance(made, Refusal):
            self.quarantine(member.name, member.chain, made.reason, member.data, made.extra)
            return
        facts, data = made
        self.stage(facts, data, member, source, downloaded_at)

    def stage(self, facts: CsvFacts, payload: object, member: Member, source: str, downloaded_at: str | None,
              held: tuple[Path, str] | None = None) -> bool:
        """Stage a made CSV in the batch under a free name (False: skipped, already landed). `payload` is what the
        batch's `add` takes: the bytes (PendingBatch), or a landing worker's part file and verdict; `held`: the
        member's bytes, written for quarantine by that worker (Lander.quarantine)."""
        digest = facts.digest
        if digest in self._staged:  # the same CSV again: its first copy is landed (or not) first, as in one by one
            self.land_batch()
        if digest in self.registry:
            self.summary.skipped[facts.dataset] += 1
            return False
        if self._batch is None:
            self._batch = self.new_batch()
        name = facts.name if facts.name.lower().endswith(".csv") else facts.name + ".csv"
        folder = self._folder(facts.dataset, facts.format)
        target, present = free_name(folder, name, digest, facts.size, self._batch)
        entry = {
            "iso": self.iso,
            "dataset": facts.dataset,
            "format": facts.format,
            "path": f"csv_files/{facts.dataset}/{facts.format}/{target.name}",
            "file_name": target.name,
            "source": source,
            "archive_chain": list(facts.chain),
            "sha256": digest,
            "bytes": facts.size,
            "rows": facts.rows,
            "encoding": facts.encoding,
            "header": facts.header,
            "downloaded_at": downloaded_at,
            "landed_at": None,  # when validated
            "published_at": facts.published_at,
        }
        self._staged.add(digest)
        # what lands always builds: the dbt source reads every row, typed, no row key twice
        if self._batch.add(self.iso, facts.format, target, payload, facts.rows, present,
                           _Waiting(entry, member, self._original, held)):
            self.land_batch()
        return True

    def _folder(self, dataset: str, report_format: str) -> Path:
        """csv_files/<dataset>/<format>/ (made once: pathlib is not free at thousands of files)."""
        folders = self.__dict__.setdefault("_csv_folders", {})
        folder = folders.get((dataset, report_format))
        if folder is None:
            folder = folders[(dataset, report_format)] = self.paths.csv_files / dataset / report_format
        return folder

    def land_batch(self) -> None:
        """Validate the staged CSVs; rename the valid ones into place and register them in the order they were
        delivered (all of them before any quarantine is written: a full disk leaves no CSV unregistered), then
        quarantine the others."""
        if not self._batch:
            return
        self._staged.clear()
        verdicts = self._batch.validate()
        for staged, invalid in verdicts:
            if invalid is None:
                staged.commit()
                entry = staged.item.entry
                entry["landed_at"] = dt.datetime.now(dt.UTC).isoformat()
                self.registry.add(entry)
                self.summary.landed[entry["dataset"]] += 1
                self.summary.rows[entry["dataset"]] += entry["rows"]
                self._since_flush += 1
                self._recorded = False
        for staged, invalid in verdicts:
            if invalid is not None:
                waiting = staged.item
                self.quarantine(waiting.member.name, waiting.member.chain, str(invalid), waiting.member.data,
                                {"dataset": waiting.entry["dataset"], "format": waiting.entry["format"],
                                 **({"original": waiting.original} if waiting.original else {})}, waiting.held)

    def maybe_checkpoint(self) -> None:
        """Validate the batch and write the registry every CHECKPOINT_FILES files (or a tenth of the registry) and
        every CHECKPOINT_SECONDS, or 20 times what the last write took if longer: a write copies the record, ~2 s
        at 515,000 files, so checkpoints never take more than 5% of a landing."""
        waiting = self._since_flush + len(self._batch or ())
        every = max(CHECKPOINT_SECONDS, 20 * self._flush_seconds)
        if waiting >= max(CHECKPOINT_FILES, len(self.registry) // 10) or (
            waiting and time.monotonic() - self._last_flush > every
        ):
            self.land_batch()
            started = time.monotonic()
            self.registry.flush(export=False)
            self._last_flush = time.monotonic()
            self._flush_seconds = self._last_flush - started
            self._since_flush = 0
            self._recorded = True

    # -- one delivered file ----------------------------------------------------------------------------------
    _limits: Limits | None = None  # the bomb limits, read from the environment by the first land_file
    _where_cache: _Where | None = None

    def _where(self) -> _Where:
        if self._where_cache is None:
            self._where_cache = _Where.of(self.paths)
        return self._where_cache

    def limits(self, name: str) -> Limits:
        """The bomb limits, read from the environment once (LandingError when a setting is unusable)."""
        if self._limits is None:
            try:
                self._limits = Limits.from_env()
            except ValueError as exc:
                self._stop(f"cannot land {name}: {exc}")
        return self._limits

    def land_file(self, path: Path, source: str | None = None, downloaded_at: str | None = None) -> None:
        """Land one delivered file: keep the original, land or quarantine everything inside it.

        Raises LandingError, after recording what was landed so far, when the disk cannot hold what this file may
        write (checked before anything of it is written) or fills up while it is landed.
        """
        data = path.read_bytes()
        resolved = resolve(path, self._folders)
        limits = self.limits(path.name)
        problem = space_problem(self._where(), path.name, str(resolved), data, limits)
        if problem:
            self._stop(problem)
        src = source or str(resolved)
        with self.landing(path.name):
            original = self.keep_original(path, data, resolved)
            self._original = self._where().relative(resolved if original is path else original)
            for item in iter_members(path.name, data, Budget(path.name, len(data), limits)):
                if isinstance(item, Rejected):
                    self.quarantine(item.name, item.chain, item.reason, item.data)
                else:
                    self.land_member(item, src, downloaded_at)
            self.summary.inputs += 1
            self.maybe_checkpoint()

    @contextmanager
    def landing(self, name: str) -> Iterator[None]:
        """Around landing the delivered file `name`: a full disk stops landing (LandingError, after recording what
        was landed); the file's original is forgotten at the end."""
        try:
            yield
        except (OSError, duckdb.Error) as exc:
            if not _no_space(exc):
                raise
            detail = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc).splitlines()[0]
            self._stop(f"the disk holding {self.paths.root} is full (landing {name}: {detail})")
        finally:
            self._original = None

    def _stop(self, problem: str) -> NoReturn:
        """Record what was landed so far, leave no `.part` or unrecorded CSV behind, raise LandingError(problem)."""
        self.quiesce()  # no landing worker writes any more
        try:
            self.land_batch()  # the CSVs staged so far are validated, and landed and recorded with the rest
        except (OSError, duckdb.Error) as exc:
            if not _no_space(exc):
                raise
            # what it could not land is removed below (its .part files) and lands on the next run
        landed = self.summary.n_landed
        recorded = (f"the {landed} file(s) landed before it are recorded in metadata.json" if landed else
                    "nothing was landed before it")
        try:
            self.registry.flush()
            outcome = recorded
        except (OSError, duckdb.Error) as exc:
            if not _no_space(exc):
                raise
            if not self.registry.dirty:  # metadata.json was written; only its warehouse copy failed
                outcome = f"{recorded} (the warehouse copy is refreshed by the next landing)"
            else:
                removed = _remove_unrecorded(self.paths)
                outcome = (f"the disk was too full to record the files landed since the last checkpoint: "
                           f"{removed} were removed again and land on the next run")
        clean_partials(self.paths)
        raise LandingError(f"{problem}; {outcome}")

    def finish(self) -> LandingSummary:
        self.land_batch()
        if not self._recorded:
            self.registry.flush()
        else:  # a checkpoint after the last file recorded it all already, but for the registry's parquet copy
            export_registry(self.paths)
        write_schema_registry(self.paths)
        return self.summary


#: A download's part file untouched this long belongs to no live transfer: a transfer writes at least once per read
#: timeout (ISO_DOWNLOAD_TIMEOUT, 120 s by default) or fails.
STALE_DOWNLOAD_SECONDS = 900


def _part_files(folder: Path) -> Iterator[Path]:
    """The `*.part` files under `folder` (os.walk: a fifth of what pathlib's rglob costs over 515,000 landed files)."""
    for dirpath, _dirs, names in os.walk(folder):
        for name in names:
            if name.endswith(".part"):
                yield Path(dirpath, name)


def clean_partials(paths: IsoPaths) -> None:
    """Remove `*.part` files a killed run left behind (they are never registered): every one of landing's own (landing
    holds the writer lock), and a download's (`*.download.part`) once it is stale. A fresh one may be a transfer in
    flight: the downloader lands each file while the next ones download (ingest/download/daily.py), and another
    download of the ISO may be running."""
    now = time.time()
    for folder in (paths.csv_files, paths.raw_downloads, paths.quarantine):
        if not folder.exists():
            continue
        for part in _part_files(folder):
            try:
                if part.name.endswith(DOWNLOAD_PART) and now - part.stat().st_mtime <= STALE_DOWNLOAD_SECONDS:
                    continue
                part.unlink(missing_ok=True)
            except FileNotFoundError:  # a download finished (renamed into place) meanwhile
                pass


def land(iso: str, inputs: Iterable[Path], *, base: Path | None = None, source: str | None = None,
         downloaded_at: dt.datetime | str | None = None, progress: bool = False, wait: bool = True) -> LandingSummary:
    """Land files or folders for one ISO. `source` (e.g. the download URL) applies to every input when given.

    One writer at a time: the data directory's writer lock is taken first, then the warehouse must be free to
    write (a dbt run or a DuckDB shell may hold it), both before any file is written. Either is waited for up to
    $ISO_PIPELINE_LOCK_TIMEOUT seconds (saying for whom), or not at all with `wait=False`; lock.Busy otherwise.
    """
    from .lock import wait_for_warehouse, writer_lock

    paths = IsoPaths.of(iso, base or data_dir())
    with writer_lock(paths.root.parent, f"land {paths.iso}", wait=wait):
        wait_for_warehouse(paths.warehouse(), wait=wait)
        return _land(iso, inputs, base=base, source=source, downloaded_at=downloaded_at, progress=progress)


def _land(iso: str, inputs: Iterable[Path], *, base: Path | None, source: str | None,
          downloaded_at: dt.datetime | str | None, progress: bool) -> LandingSummary:
    """`land` under the writer lock."""
    started = time.monotonic()
    from .lock import wait_for_workers

    lander = Lander(iso, base)
    wait_for_workers(lander.paths.root.parent)  # a killed landing's workers may still finish a write
    clean_partials(lander.paths)
    files = expand_inputs(inputs)
    when = downloaded_at.isoformat() if isinstance(downloaded_at, dt.datetime) else downloaded_at
    try:
        workers = landing_workers()
    except ValueError as exc:
        raise LandingError(f"cannot land: {exc}") from None
    at_least = 2 if os.environ.get(WORKERS_ENV, "").strip() else PARALLEL_MIN_FILES
    with _progress(files, lander.iso, progress) as advance:
        if workers > 1 and len(files) >= at_least:
            from .landing_pool import land_all

            land_all(lander, files, source, when, workers, advance)
        else:
            for f in files:
                lander.land_file(f, source, when)
                advance(f)
    try:
        summary = lander.finish()
    except (OSError, duckdb.Error) as exc:  # a disk that fills at the last write ends like any full disk
        if not _no_space(exc):
            raise
        lander._stop(f"the disk holding {lander.paths.root} is full (recording what was landed: "
                     f"{str(exc).splitlines()[0]})")
    summary.seconds = time.monotonic() - started
    from .monitor.history import record_landing  # run history (never fails the landing)
    record_landing(lander.paths, summary)
    return summary


@contextmanager
def _progress(files: list[Path], iso: str, show: bool) -> Iterator[Callable[[Path], None]]:
    """`advance(file)`, to be called as each file is landed: a progress bar when `show`, else nothing."""
    if not show:
        yield lambda _: None
        return
    import click

    with click.progressbar(length=len(files), label=f"landing {iso}", show_pos=True,
                           item_show_func=lambda p: p.name if p else "") as bar:
        yield lambda f: bar.update(1, f)


def land_paths(iso: str, paths: Iterable[Path], **kwargs) -> LandingSummary:
    """Alias used by the downloaders."""
    return land(iso, paths, **kwargs)

