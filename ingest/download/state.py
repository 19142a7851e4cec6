"""`<ISO>_data/download_state.json`: what the downloaders have already fetched and landed.

    {"version": 1, "iso": "ERCOT",
     "datasets": {"DA_prices": {
         "last_day": "2024-10-23",                        # last operating day landed completely (default --start - 1)
         "documents": {"1042993183": {"day": "2024-10-21", "file": "cdr....zip", "route": "mis"}},   # ERCOT
         "windows": {"PRC_LMP|DAM|v12|node=...|2024-10-21|2024-10-27":                              # CAISO, PJM
                     {"selector": "...", "first": "2024-10-21", "last": "2024-10-27",
                      "days": ["2024-10-21", ...], "file": "....zip"}}}}}

A document or window is recorded only after the files it produced were landed, so a crash at any point loses at
most the batch in flight, and a rerun fetches exactly what is not recorded. Written with `write_atomic`.
No credentials, tokens or timestamps of requests are stored here.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

from ..config import IsoPaths
from ..registry import write_atomic

VERSION = 1
FILE_NAME = "download_state.json"


class StateError(ValueError):
    """The state file exists but cannot be read."""


class DownloadState:
    def __init__(self, path: Path, iso: str, data: dict[str, Any] | None = None):
        self.path = path
        self.iso = iso
        self.data: dict[str, Any] = data or {"version": VERSION, "iso": iso, "datasets": {}}

    @classmethod
    def load(cls, paths: IsoPaths) -> DownloadState:
        path = paths.root / FILE_NAME
        if not path.exists():
            return cls(path, paths.iso)
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise StateError(f"cannot read {path}: {exc} (move it aside to start the download record afresh)") from exc
        if not isinstance(data, dict) or data.get("version") != VERSION or not isinstance(data.get("datasets"), dict):
            raise StateError(f"{path} is not a version-{VERSION} download state file")
        return cls(path, paths.iso, data)

    def save(self) -> None:
        write_atomic(self.path, json.dumps(self.data, indent=1, sort_keys=True).encode("utf-8"))

    # -- one dataset ------------------------------------------------------------------------------------
    def _dataset(self, dataset: str) -> dict[str, Any]:
        ds = self.data["datasets"].setdefault(dataset, {})
        ds.setdefault("last_day", None)
        ds.setdefault("documents", {})
        ds.setdefault("windows", {})
        return ds

    def last_day(self, dataset: str) -> dt.date | None:
        raw = self._dataset(dataset)["last_day"]
        return dt.date.fromisoformat(raw) if raw else None

    def set_last_day(self, dataset: str, day: dt.date) -> None:
        self._dataset(dataset)["last_day"] = day.isoformat()

    def documents(self, dataset: str) -> dict[str, dict[str, Any]]:
        return self._dataset(dataset)["documents"]

    def windows(self, dataset: str) -> dict[str, dict[str, Any]]:
        return self._dataset(dataset)["windows"]
