"""The landing record at scale (issue 24 point 3): what recording one more day costs when csv_files/metadata.json
already lists a year of ERCOT (142,000 files) or the seed's RT history (515,000 files).

    .venv/bin/python -m benchmarks.registry_scale [--files 142000 515000] [--day 391]

For each size a record of that many entries (ERCOT's real entry shape: MIS names, archive chains, headers) and its
warehouse copy are written once under benchmarks/work/registry/<n>; then a fresh process (ingest.registry, as
landing uses it) opens the record, registers one day of files (`--day`: 391 = a day of ERCOT's four datasets),
flushes it (metadata.json appended, the warehouse given the new rows), writes the parquet copy and the schema
registry. Each step's wall time and the process's peak RSS are printed as a markdown table.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import resource
import subprocess
import sys
import time
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
if str(PROJECT_ROOT) not in sys.path:
    sys.path.insert(0, str(PROJECT_ROOT))

from benchmarks.corpus import WORK  # noqa: E402

RT_HEADER = "SCEDTimestamp,RepeatedHourFlag,SettlementPoint,SettlementPointType,LMP"


def entry(i: int, tag: str = "") -> dict:
    """A registry entry shaped like a landed ERCOT SCED file's (its name made unique by `i`)."""
    day, seq = divmod(i, 288)
    stem = f"cdr.00012300.0000000000000000.2025{1 + day % 12:02d}{1 + day % 28:02d}.{seq:06d}{tag}.LMPSELECTBUSNP6788"
    return {"iso": "ERCOT", "dataset": "RT_prices", "format": "np6_788_cd",
            "path": f"csv_files/RT_prices/np6_788_cd/{stem}.csv", "file_name": f"{stem}.csv",
            "source": f"/srv/ercot/{stem}_csv.zip", "archive_chain": [f"{stem}_csv.zip", f"{stem}.csv"],
            "sha256": hashlib.sha256(f"{i}{tag}".encode()).hexdigest(), "bytes": 41_000, "rows": 1_020,
            "encoding": "utf-8", "header": RT_HEADER, "downloaded_at": None,
            "landed_at": "2026-12-03T10:00:00.123456+00:00", "published_at": "2025-01-01T06:05:00+00:00",
            "landing_seq": i + 1}


def make_record(n: int) -> Path:
    """benchmarks/work/registry/<n>: an ERCOT data directory whose record lists n files (written once)."""
    from ingest.config import IsoPaths
    from ingest.registry import _json_lines, sync_warehouse

    base = WORK / "registry" / str(n)
    paths = IsoPaths.of("ERCOT", base)
    if not paths.warehouse().exists():
        paths.csv_files.mkdir(parents=True, exist_ok=True)
        with open(paths.metadata_json, "wb") as fh:
            fh.write(b"[\n")
            for start in range(0, n, 50_000):
                chunk = [entry(i) for i in range(start, min(n, start + 50_000))]
                fh.write(_json_lines(chunk, "" if start == 0 else ",\n").rstrip(b"\n"))
            fh.write(b"\n]\n")
        sync_warehouse(paths)
    return base


def one_day(base: Path, files: int) -> dict:
    """In this process: open the record, register `files` new ones, flush, export, schema registry."""
    from ingest.config import IsoPaths
    from ingest.registry import Registry, export_registry, write_schema_registry

    paths = IsoPaths.of("ERCOT", base)
    out = {}
    t = time.perf_counter()
    registry = Registry(paths)
    out["open"] = time.perf_counter() - t
    tag = f"-{len(registry)}"
    for i in range(files):
        registry.add({k: v for k, v in entry(i, tag).items() if k != "landing_seq"})
    t = time.perf_counter()
    registry.flush(export=False)
    out["flush"] = time.perf_counter() - t
    t = time.perf_counter()
    export_registry(paths)
    out["export"] = time.perf_counter() - t
    t = time.perf_counter()
    write_schema_registry(paths)
    out["schema"] = time.perf_counter() - t
    out["rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    out["record_mb"] = paths.metadata_json.stat().st_size / 1e6
    return out


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, nargs="+", default=[142_000, 515_000])
    parser.add_argument("--day", type=int, default=391)
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        print(json.dumps(one_day(Path(args.child), args.day)))
        return
    print("| files in the record | record MB | open s | flush one day s | parquet copy s | schema registry s "
          "| peak RSS MB |\n|---:|---:|---:|---:|---:|---:|---:|")
    for n in args.files:
        base = make_record(n)
        proc = subprocess.run([sys.executable, "-m", "benchmarks.registry_scale", "--child", str(base),
                               "--day", str(args.day)], cwd=PROJECT_ROOT, capture_output=True, text=True, check=True)
        r = json.loads(proc.stdout.strip().splitlines()[-1])
        print(f"| {n:,} | {r['record_mb']:.0f} | {r['open']:.2f} | {r['flush']:.2f} | {r['export']:.2f} "
              f"| {r['schema']:.2f} | {r['rss_mb']:.0f} |", flush=True)


if __name__ == "__main__":
    main()
