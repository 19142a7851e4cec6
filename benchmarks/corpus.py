"""The benchmark corpus: realistic ERCOT MIS zips, one folder per operating day, generated once and cached.

    benchmarks/work/corpus/<start>_p<points>/day=YYYY-MM-DD/*.zip      (a `.done` marker per finished day)

Each day holds what ERCOT publishes for it: 1 DA file (NP4-190-CD), ~291 SCED files (NP6-788-CD, 288 regular runs
+ event-driven ones), 96 RT SPP files (NP6-905-CD) and 1 AS file (NP4-188-CD), with `points` settlement points
(hubs, zones, DC ties and synthetic resource nodes: ~1,100 as in the real reports). Days are generated in parallel
(every file depends only on the seed and its own day, so chunking by day gives the same bytes as one call).

A size of N days is the first N day folders, so the sizes of one run share their files.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from ingest.sample.ercot import (
    DATASETS,
    DC_TIES,
    HUBS,
    LOAD_ZONES,
    expected_counts,
    generate_ercot,
)

BENCH_DIR = Path(__file__).resolve().parent
WORK = BENCH_DIR / "work"
FIXED_POINTS = len(HUBS) + len(LOAD_ZONES) + len(DC_TIES)  # 19 hubs, zones and DC ties


def n_nodes_for(points: int) -> int:
    if points < FIXED_POINTS:
        raise ValueError(f"points must be >= {FIXED_POINTS} (hubs, zones and DC ties)")
    return points - FIXED_POINTS


def corpus_root(start: dt.date, points: int, datasets: tuple[str, ...] = DATASETS) -> Path:
    """One folder per corpus; a corpus of only some datasets is named after them (..._p100_rt_prices)."""
    tag = "" if tuple(datasets) == DATASETS else "_" + "_".join(d.lower() for d in datasets)
    return WORK / "corpus" / f"{start:%Y%m%d}_p{points}{tag}"


def day_dir(root: Path, day: dt.date) -> Path:
    return root / f"day={day:%Y-%m-%d}"


def _generate_day(args: tuple[str, str, int, tuple[str, ...]]) -> str:
    root, iso_day, n_nodes, datasets = args
    day = dt.date.fromisoformat(iso_day)
    out = day_dir(Path(root), day)
    if (out / ".done").exists():
        return iso_day
    if out.exists():
        shutil.rmtree(out)
    tmp = out.with_name(out.name + ".tmp")
    if tmp.exists():
        shutil.rmtree(tmp)
    generate_ercot(tmp, start=day, days=1, n_nodes=n_nodes, datasets=datasets)
    (tmp / ".done").write_text("ok\n")  # land() skips dot-files
    tmp.rename(out)
    return iso_day


def ensure_days(start: dt.date, days: int, points: int, workers: int | None = None,
                datasets: tuple[str, ...] = DATASETS) -> list[Path]:
    """Day folders for `days` days from `start` (generated when missing); returns them in day order."""
    root = corpus_root(start, points, datasets)
    root.mkdir(parents=True, exist_ok=True)
    wanted = [start + dt.timedelta(days=i) for i in range(days)]
    missing = [d for d in wanted if not (day_dir(root, d) / ".done").exists()]
    if missing:
        jobs = [(str(root), d.isoformat(), n_nodes_for(points), tuple(datasets)) for d in missing]
        workers = workers or max(1, min(len(jobs), os.cpu_count() or 1))
        if workers == 1:
            for j in jobs:
                _generate_day(j)
        else:
            with ProcessPoolExecutor(workers) as pool:
                list(pool.map(_generate_day, jobs))
    return [day_dir(root, d) for d in wanted]


def counts(start: dt.date, days: int, points: int) -> dict[str, dict[str, int]]:
    """Files and rows per dataset of the first `days` days (from the generator's calendar)."""
    return expected_counts(start, days, n_nodes_for(points))


def folder_bytes(paths: list[Path], pattern: str = "*") -> int:
    return sum(f.stat().st_size for p in paths for f in p.rglob(pattern) if f.is_file())


def small_zips(n: int = 10_000, start: dt.date = dt.date(2025, 3, 20)) -> Path:
    """`n` small MIS zips (the bundled sample's size: 24 points) in one flat folder, for the landing-rate test."""
    out = WORK / "corpus" / f"small_{n}"
    if (out / ".done").exists():
        return out
    if out.exists():
        shutil.rmtree(out)
    per_day = sum(v["files"] for v in expected_counts(start, 1).values())
    days = -(-n // per_day) + 1
    paths = generate_ercot(out, start=start, days=days)
    # keep the first n by publish time (cdr.<type>.<0...>.<YYYYMMDD>.<HHMMSS>...), so every report type is in
    by_time = sorted(paths, key=lambda z: (z.name.split(".")[3:5], z.name))
    for extra in by_time[n:]:
        extra.unlink()
    (out / ".done").write_text("ok\n")
    return out
