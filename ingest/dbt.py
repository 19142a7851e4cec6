"""Run dbt in the project directory, with the data directory in the environment."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from .config import PROJECT_ROOT, data_dir


def dbt_executable() -> str:
    """The dbt installed beside this Python (the project's venv), else whatever is on PATH."""
    candidate = Path(sys.executable).with_name("dbt")
    return str(candidate) if candidate.exists() else "dbt"


def run_dbt(args: list[str], *, base: Path | None = None, capture: bool = False,
            env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    base = base or data_dir()
    base.mkdir(parents=True, exist_ok=True)
    full_env = {**os.environ, "ISO_DATA_DIR": str(base), **(env or {})}
    cmd = [dbt_executable(), *args, "--project-dir", str(PROJECT_ROOT), "--profiles-dir", str(PROJECT_ROOT)]
    return subprocess.run(cmd, cwd=PROJECT_ROOT, env=full_env, text=True,
                          capture_output=capture, check=False)
