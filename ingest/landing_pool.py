"""Landing in parallel: worker processes do the work of each delivered file, the landing process stays its one writer.

    land_all(lander, files, source, downloaded_at, workers, advance)     # what landing._land calls when workers > 1

- **Work**: the delivered files are cut into chunks of consecutive files (up to CHUNK_FILES of them, CHUNK_BYTES
  of delivered bytes; a bigger file alone) handed to `workers` processes. For each file a worker (`_land_chunk`)
  does what Lander.land_file does before it decides anything: reads it, checks free space
  (landing.space_problem), unpacks it (archives.iter_members, the same bomb budget), makes each member's CSV
  (landing.make_csv: charset detection, normalising, sha256), and writes what may be kept to hidden part files
  (`.landing-<hex>.part`): the raw copy into raw_downloads/, each new CSV into the folder it lands in, the bytes
  of anything for quarantine into quarantine/. It validates its CSVs with DuckDB in batches (validate.PendingBatch,
  one connection per worker) and sends back small records, never file contents. A CSV whose sha256 was registered
  before the landing started is neither written nor validated.
- **One writer, the serial order**: this process takes the chunks' results in the order the files were given and
  applies each file's as Lander.land_file would: free names (files.free_name), raw copies and CSVs renamed into
  place, skips of what is landed already, quarantine decisions, registry entries, checkpoints. Its batch
  (`DecidedBatch`: the verdicts are the workers') has PendingBatch's bounds, so names promised within a batch,
  the landing order and so "latest delivery wins" are exactly a serial landing's (tests/python/
  test_landing_parallel.py compares the two byte for byte).
- **Bounded**: at most IN_FLIGHT_CHUNKS per worker are handed out and not yet applied, holding at most
  IN_FLIGHT_BYTES of delivered bytes between them; a file bigger than that is handed out alone, so no huge file is
  held by two workers at once. A worker holds one delivered file, and the member bytes of one validation batch
  (validate.BATCH_BYTES), at a time, as a serial landing does; what comes back is a few hundred bytes a CSV.
- **Crash safety**: the workers die with the landing process (PR_SET_PDEATHSIG on Linux, and a check of their
  parent before each file elsewhere), so nothing writes on after a kill. Everything a worker writes is a part
  file until the writer renames it, and the next landing removes part files first (landing.clean_partials), once
  every worker of the killed one has exited (each holds lock.WORKERS_FILE shared: one killed mid-write finishes
  that write first). A full disk met by a worker stops landing at its file, after the files before it, as in a
  serial run: Lander._stop first stops the workers (`Lander.quiesce`), then records what landed and removes the
  part files.
"""

from __future__ import annotations

import ctypes
import multiprocessing
import os
import secrets
import signal
import sys
import threading
from collections import deque
from collections.abc import Callable, Iterable
from concurrent.futures import Executor, ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from . import catalog, preambles, reports
from .archives import Budget, Limits, Member, Rejected, iter_members
from .config import PROJECT_ROOT, IsoPaths
from .files import free_name, writing
from .landing import (
    NO_SPACE_ERRNOS,
    CsvFacts,
    Lander,
    Refusal,
    _Where,
    make_csv,
    quarantine_key,
    resolve,
    sha256,
    space_problem,
)
from .lock import hold_as_worker
from .published import published_at
from .validate import BATCH_BYTES, BATCH_FILES, PendingBatch, Validator, source_options

CHUNK_FILES = BATCH_FILES  # delivered files per work unit (fewer when there are few: every worker gets some);
# as many as a validation batch: validating fewer files per DuckDB query costs more per file (measured)
CHUNK_BYTES = 16 << 20  # ... and delivered bytes per work unit; a bigger file is a unit alone
IN_FLIGHT_CHUNKS = 2  # units per worker handed out and not yet applied: a worker never waits for the writer
IN_FLIGHT_BYTES = 256 << 20  # delivered bytes of the units in flight, together; a bigger unit goes alone
PR_SET_PDEATHSIG = 1


# -- what a worker sends back ------------------------------------------------------------------------------------
@dataclass(eq=False)
class Made:
    """A member made into a CSV. `part`: where the worker wrote it (valid); None when it was registered before the
    landing started (not written) or is invalid (`invalid`: the reason; `held`: its bytes for quarantine)."""

    facts: CsvFacts
    part: str | None = None
    invalid: str | None = None
    held: tuple[str, str] | None = None  # (part file in quarantine/, landing.quarantine_key)
    data: bytes | None = None  # the member's bytes while its verdict is pending (never sent back)


@dataclass(frozen=True)
class Refused:
    """Something for quarantine: an archive's Rejected or a member landing.make_csv refused."""

    name: str
    chain: tuple[str, ...]
    reason: str
    extra: dict | None
    held: tuple[str, str] | None  # its bytes, when kept


@dataclass(frozen=True)
class RawCopy:
    """The delivered file's copy in raw_downloads/: `target` as the worker found it; `present`: it is there already
    (never stale: nothing in raw_downloads/ is overwritten or removed), else the bytes are in `part`."""

    target: str
    digest: str
    size: int
    present: bool
    part: str | None


@dataclass(eq=False)
class Delivered:
    """A delivered file, as a worker left it for the writer."""

    path: str
    name: str
    resolved: str = ""
    stop: str | None = None  # not landed, nothing written: why (landing.space_problem)
    raw: RawCopy | None = None  # None: the file is in raw_downloads/ already (a downloader put it there)
    items: list[Made | Refused] = field(default_factory=list)
    no_space: tuple[int, str] | None = None  # the disk filled while it was written: (errno, strerror)
    error: BaseException | None = None  # anything else that went wrong with it, raised by the writer at its turn


# -- workers -----------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class _Job:
    """What every worker knows: the same for all chunks of one landing."""

    iso: str
    root: str  # the ISO folder
    limits: Limits
    known: frozenset[str]  # sha256 of the CSVs registered when the landing started
    parent: int  # the landing process (workers exit when it is gone)


_job: _Job | None = None
_local = threading.local()  # per worker: its Validator, the folders it made


def _start_worker(job: _Job) -> None:
    """Process initializer: remember the job, leave Ctrl-C to the landing process, die with it."""
    global _job
    _job = job
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if sys.platform.startswith("linux"):
        try:
            ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
        except (OSError, AttributeError):  # pragma: no cover - no prctl: the parent check below remains
            pass
    hold_as_worker(Path(job.root).parent)  # the next landing waits for it before cleaning up (lock.wait_for_workers)
    _check_parent(job)


def _check_parent(job: _Job) -> None:
    if os.getppid() != job.parent:  # the landing process is gone: write nothing more
        os._exit(1)


def _write_part(folder: Path, data: bytes) -> str:
    """`data` in a new hidden part file in `folder` (removed again if the write fails); its path."""
    made: set[Path] = _local.__dict__.setdefault("folders", set())
    if folder not in made:
        folder.mkdir(parents=True, exist_ok=True)
        made.add(folder)
    part = folder / f".landing-{secrets.token_hex(8)}.part"
    with writing(part, fsync=False) as fh:
        fh.write(data)
    return str(part)


def _hold(paths: IsoPaths, data: bytes | None, chain: tuple[str, ...]) -> tuple[str, str] | None:
    """Bytes for quarantine written to a part file in quarantine/: (part, quarantine_key), or None without bytes."""
    if data is None:
        return None
    return _write_part(paths.quarantine, data), quarantine_key(data, chain)


def _land_chunk(files: list[str]) -> list[Delivered]:
    """A worker's unit: the files in order, then the verdicts of the CSVs it staged. It stops at a file that cannot
    land (the writer stops there too)."""
    job = _job
    assert job is not None, "a landing worker runs under _start_worker"
    paths = IsoPaths(job.iso, Path(job.root))
    where = _Where.of(paths)
    validator = _local.__dict__.get("validator")
    if validator is None:
        validator = _local.validator = Validator()
    batch = PendingBatch(validator)
    out: list[Delivered] = []
    try:
        for name in files:
            _check_parent(job)
            delivered = Delivered(name, Path(name).name)
            out.append(delivered)
            try:
                _land_one(job, paths, where, Path(name), delivered, batch)
            except OSError as exc:
                if exc.errno in NO_SPACE_ERRNOS:
                    delivered.no_space = (exc.errno, exc.strerror or str(exc))
                else:
                    delivered.error = exc
                break
            except Exception as exc:  # noqa: BLE001 - raised again by the writer, at this file's turn
                delivered.error = exc
                break
            if delivered.stop:
                break
    finally:
        _decide(paths, batch)
    return out


def _land_one(job: _Job, paths: IsoPaths, where: _Where, path: Path, delivered: Delivered,
              batch: PendingBatch) -> None:
    """Lander.land_file up to its decisions, for one file."""
    data = path.read_bytes()
    delivered.resolved = resolved = str(resolve(path, _local.__dict__.setdefault("folders_resolved", {})))
    delivered.stop = space_problem(where, path.name, resolved, data, job.limits)
    if delivered.stop:
        return
    if not resolved.startswith(where.real_raw):
        digest = sha256(data)
        target, present = free_name(paths.raw_downloads, path.name, digest, len(data))
        delivered.raw = RawCopy(str(target), digest, len(data), present,
                                None if present else _write_part(paths.raw_downloads, data))
    for item in iter_members(path.name, data, Budget(path.name, len(data), job.limits)):
        if isinstance(item, Rejected):
            delivered.items.append(Refused(item.name, item.chain, item.reason, None,
                                           _hold(paths, item.data, item.chain)))
            continue
        made = make_csv(job.iso, item)
        if isinstance(made, Refusal):
            delivered.items.append(Refused(item.name, item.chain, made.reason, made.extra,
                                           _hold(paths, item.data, item.chain)))
            continue
        facts, csv = made
        result = Made(facts)
        if facts.digest not in job.known:  # else the writer skips it: nothing to write or validate
            result.data = item.data
            # the batch knows staged CSVs by target: any path unique to this CSV in the folder it lands in will do
            key = paths.csv_files / facts.dataset / facts.format / f".staged-{id(result)}"
            full = batch.add(job.iso, facts.format, key, csv, facts.rows, False, result)
            delivered.items.append(result)  # once written (a full disk stops this file before it)
            if full:
                _decide(paths, batch)
            continue
        delivered.items.append(result)


def _decide(paths: IsoPaths, batch: PendingBatch) -> None:
    """Validate the staged CSVs: a valid one keeps its part file, an invalid one's bytes go to quarantine/."""
    if not len(batch):
        return
    for staged, invalid in batch.validate():
        made: Made = staged.item
        if invalid is None:
            made.part = str(staged.part)
        else:
            made.invalid = str(invalid)
            made.held = _hold(paths, made.data, made.facts.chain)
        made.data = None


# -- the writer --------------------------------------------------------------------------------------------------
@dataclass(eq=False)
class _Decided:
    """A CSV in the writer's batch (validate.Staged's counterpart): validated by a worker already."""

    target: Path
    part: Path | None
    present: bool  # the target holds these bytes already (a killed run left it unregistered)
    item: object
    verdict: str | None

    def commit(self) -> None:
        assert self.part is not None
        os.replace(self.part, self.target)


class DecidedBatch(PendingBatch):
    """PendingBatch for CSVs a worker wrote and validated: the same bounds (so the same names are promised within a
    batch as in a serial run), no second validation. `add` takes the worker's Made as the payload."""

    def __init__(self, max_files: int = BATCH_FILES, max_bytes: int = BATCH_BYTES):
        super().__init__(None, max_files, max_bytes)  # no validator: the verdicts are given

    def add(self, iso: str, report_format: str, target: Path, made: Made, rows: int,
            present: bool = False, item: object = None) -> bool:
        self.staged[target] = _Decided(target, Path(made.part) if made.part else None, present, item, made.invalid)
        self.bytes += made.facts.size
        return len(self.staged) >= self.max_files or self.bytes >= self.max_bytes

    def validate(self) -> list[tuple[_Decided, str | None]]:
        """Every staged CSV with its verdict, in the order staged; an invalid one that was present is removed (as
        PendingBatch does: the dbt source's glob would read it)."""
        staged, self.staged, self.bytes = list(self.staged.values()), {}, 0
        for s in staged:
            if s.verdict is not None and s.present:
                s.target.unlink(missing_ok=True)
        return [(s, s.verdict) for s in staged]


def _apply(lander: Lander, delivered: Delivered, source: str | None, downloaded_at: str | None) -> None:
    """What Lander.land_file decides for one file, from a worker's record of it."""
    if delivered.stop:
        lander._stop(delivered.stop)
    src = source or delivered.resolved
    with lander.landing(delivered.name):
        if delivered.error is not None and not delivered.resolved:  # it could not even be read
            raise delivered.error
        original = Path(delivered.resolved) if delivered.raw is None else _keep_original(lander, delivered)
        lander._original = lander._where().relative(original)
        for item in delivered.items:
            held = (Path(item.held[0]), item.held[1]) if item.held else None
            if isinstance(item, Refused):
                lander.quarantine(item.name, item.chain, item.reason, None, item.extra, held)
                continue
            member = Member(item.facts.name, None, item.facts.chain)  # its bytes, if it is quarantined, are `held`
            if not lander.stage(item.facts, item, member, src, downloaded_at, held):  # landed already
                for part in (item.part, held and held[0]):
                    if part:
                        os.unlink(part)
        if delivered.no_space:
            raise OSError(*delivered.no_space)
        if delivered.error is not None:
            raise delivered.error
        lander.summary.inputs += 1
        lander.maybe_checkpoint()


def _keep_original(lander: Lander, delivered: Delivered) -> Path:
    """Lander.keep_original from the worker's part file: renamed to a free name, or dropped when the content is
    there already (a file before it in this landing may have taken the name the worker saw free)."""
    raw = delivered.raw
    assert raw is not None
    if raw.present:
        return Path(raw.target)
    assert raw.part is not None
    placed: set[str] = lander.__dict__.setdefault("_raw_placed", set())  # raw copies this landing put in place
    if raw.target in placed:  # the name the worker saw free was taken since: look again
        target, present = free_name(lander.paths.raw_downloads, delivered.name, raw.digest, raw.size)
    else:
        target, present = Path(raw.target), False
    if present:
        os.unlink(raw.part)
    else:
        os.replace(raw.part, target)
        placed.add(str(target))
    return target


# -- driving -----------------------------------------------------------------------------------------------------
def plan(sizes: list[int], workers: int) -> list[tuple[int, int, int]]:
    """Work units over files of these sizes, in order: (start, stop, bytes). Up to CHUNK_FILES files (fewer when
    there are few, so that every worker gets about four units) and CHUNK_BYTES; a bigger file is a unit alone."""
    per = max(1, min(CHUNK_FILES, -(-len(sizes) // (4 * workers))))
    units: list[tuple[int, int, int]] = []
    start, total = 0, 0
    for i, size in enumerate(sizes):
        if i > start and (i - start >= per or total + size > CHUNK_BYTES):
            units.append((start, i, total))
            start, total = i, 0
        total += size
    if sizes:
        units.append((start, len(sizes), total))
    return units


def admit(in_flight: int, in_flight_bytes: int, unit_bytes: int, workers: int) -> bool:
    """Whether a unit of `unit_bytes` may be handed out now, `in_flight` units holding `in_flight_bytes` being out:
    at most IN_FLIGHT_CHUNKS per worker, at most IN_FLIGHT_BYTES together; with nothing out, any unit."""
    if not in_flight:
        return True
    return in_flight < IN_FLIGHT_CHUNKS * workers and in_flight_bytes + unit_bytes <= IN_FLIGHT_BYTES


def _executor(workers: int, job: _Job) -> Executor:
    """`workers` processes, spawned: a fresh interpreter each. Not forked: a fork copies the landing process's
    locks as they are at that instant, and one held by another thread (DuckDB's own worker threads, a logging
    handler, a library's pool) never opens in the child. A test run that forked seven ISOs' pools one after another
    in a process full of threads hung that way. Spawning costs each worker its imports (well under a second), which
    is why small deliveries land in this process (ISO_LAND_WORKERS)."""
    return ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn"),
                               initializer=_start_worker, initargs=(job,))


def _warm(iso: str) -> None:
    """Load what landing reads (seeds, the dbt sources' read_csv options) once, before the workers start: this
    process applies every result with them (each spawned worker loads its own)."""
    reports.reports_for(iso)
    source_options(PROJECT_ROOT)  # as Validator asks for it (lru_cache keys on the arguments as given)
    preambles.applies(iso)
    catalog.load_isos()  # repeated_hour reads the ISO's time zone
    published_at(iso, ("warm.csv",))


def land_all(lander: Lander, files: list[Path], source: str | None, downloaded_at: str | None, workers: int,
             advance: Callable[[Path], None]) -> None:
    """Land `files` with `workers` worker processes, applying their results in the order of `files`; `advance` is
    called with each file once it is applied."""
    if not files:
        return
    limits = lander.limits(files[0].name)
    _warm(lander.iso)
    sizes = []
    for f in files:
        try:
            sizes.append(f.stat().st_size)
        except OSError:
            sizes.append(0)  # the worker reports it when it reads it
    units = plan(sizes, workers)
    job = _Job(lander.iso, str(lander.paths.root), limits, frozenset(lander.registry.known), os.getpid())
    pool = _executor(min(workers, len(units)), job)
    lander.quiesce = lambda: pool.shutdown(wait=True, cancel_futures=True)
    lander.new_batch = DecidedBatch
    try:
        out: deque = deque()  # (future, unit bytes), in order
        out_bytes = 0
        nxt = 0
        while out or nxt < len(units):
            while nxt < len(units) and admit(len(out), out_bytes, units[nxt][2], workers):
                start, stop, nbytes = units[nxt]
                out.append((pool.submit(_land_chunk, [str(f) for f in files[start:stop]]), nbytes))
                out_bytes += nbytes
                nxt += 1
            future, nbytes = out.popleft()
            results: Iterable[Delivered] = future.result()
            out_bytes -= nbytes
            for delivered in results:
                _apply(lander, delivered, source, downloaded_at)
                advance(Path(delivered.path))
    finally:
        lander.quiesce = lambda: None
        pool.shutdown(wait=True, cancel_futures=True)
