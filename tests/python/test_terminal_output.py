"""Long work shows progress on a terminal and stays plain when piped: the commands run for real, once with their
output on a pseudo-terminal (as in a terminal window) and once piped, as a script or CI would run them.

- `iso-pipeline dbt ...` (and the demo's `dbt build`, which runs through the same ingest.dbt.run_dbt): dbt's own
  line per node either way, ANSI colours only on a terminal (dbt writes them into pipes unless told not to);
- `iso-pipeline docs`: a live line with the step, the node being compiled and the elapsed time on a terminal; piped,
  one plain line per step (tests/python/test_docs_site.py checks that on its site fixture).
"""

from __future__ import annotations

import fcntl
import os
import pty
import re
import select
import shutil
import signal
import struct
import subprocess
import sys
import termios
import time
from pathlib import Path

import pytest

from ingest.config import PROJECT_ROOT

pytestmark = pytest.mark.e2e

CLI = [sys.executable, "-m", "ingest.cli"]
ESC = "\x1b"


def _env(work: Path, data: Path | None = None, **extra: str) -> dict[str, str]:
    """The environment of a user's shell in a terminal, the data directory and dbt's files under `work`."""
    env = {k: v for k, v in os.environ.items()
           if k not in ("NO_COLOR", "FORCE_COLOR", "DBT_USE_COLORS", "DBT_ENGINE_USE_COLORS", "DBT_TARGET_PATH")}
    env.update({"TERM": "xterm-256color", "ISO_DATA_DIR": str(data or work / "data"),
                "DBT_TARGET_PATH": str(work / "target"), "DBT_LOG_PATH": str(work / "logs"), **extra})
    return env


def in_terminal(cmd: list[str], env: dict[str, str], timeout: float = 600, columns: int = 120) -> tuple[int, str]:
    """Run `cmd` with stdin, stdout and stderr on a new pseudo-terminal `columns` wide; its exit code and everything
    it wrote there."""
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 40, columns, 0, 0))
    proc = subprocess.Popen(cmd, cwd=PROJECT_ROOT, env=env, stdin=slave, stdout=slave, stderr=slave,
                            start_new_session=True)
    os.close(slave)
    chunks, deadline = [], time.monotonic() + timeout
    try:
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                os.killpg(proc.pid, signal.SIGKILL)
                raise TimeoutError(f"{cmd} still running after {timeout}s:\n" + b"".join(chunks).decode()[-3000:])
            if not select.select([master], [], [], left)[0]:
                continue
            try:
                data = os.read(master, 1 << 16)
            except OSError:  # EIO: the last writer closed the terminal
                break
            if not data:
                break
            chunks.append(data)
    finally:
        os.close(master)
    return proc.wait(timeout=60), b"".join(chunks).decode("utf-8", errors="replace")


def piped(cmd: list[str], env: dict[str, str], timeout: float = 600) -> subprocess.CompletedProcess:
    return subprocess.run(cmd, cwd=PROJECT_ROOT, env=env, capture_output=True, text=True, timeout=timeout)


def _plain(text: str) -> str:
    """`text` without terminal codes, one line per screen update (a live line rewrites itself with \\r)."""
    return re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", text).replace("\r", "\n")


def test_dbt_is_coloured_on_a_terminal_only(tmp_path):
    cmd = [*CLI, "dbt", "debug", "--config-dir"]  # a dbt command that logs and needs no parse: 2 s
    code, output = in_terminal(cmd, _env(tmp_path))
    assert code == 0, output[-3000:]
    assert "Running with dbt=" in output and f"{ESC}[" in output, output[:2000]

    proc = piped(cmd, _env(tmp_path))
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    assert "Running with dbt=" in proc.stdout
    assert ESC not in proc.stdout + proc.stderr, proc.stdout[:2000]

    # the user's own choice wins, either way
    forced = piped(cmd, _env(tmp_path, DBT_USE_COLORS="true"))
    assert f"{ESC}[" in forced.stdout, forced.stdout[:2000]
    in_colour_off = in_terminal([*CLI, "dbt", "--no-use-colors", "debug", "--config-dir"], _env(tmp_path))[1]
    assert "Running with dbt=" in in_colour_off and ESC not in in_colour_off, in_colour_off[:2000]


@pytest.mark.usefixtures("real_parse")  # the partial parse kept below is dbt's own
def test_dbt_build_shows_every_node_and_is_plain_when_piped(tmp_path):
    """What `iso-pipeline demo` prints while it builds: dbt's line per node, through run_dbt as the demo calls it."""
    cmd = [*CLI, "dbt", "build", "--select", "isos"]
    node_line = re.compile(r"\d+ of \d+ (START|OK loaded) seed file seeds\.isos")
    code, output = in_terminal(cmd, _env(tmp_path))
    assert code == 0, output[-3000:]
    assert len(node_line.findall(_plain(output))) == 2 and f"{ESC}[" in output, output[-3000:]

    proc = piped(cmd, _env(tmp_path))
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    assert len(node_line.findall(proc.stdout)) == 2, proc.stdout[-3000:]
    assert ESC not in proc.stdout + proc.stderr, proc.stdout[-3000:]
    # colours on or off, dbt keeps its partial parse (flags are not part of what it compares)
    assert "Unable to do partial parsing" not in proc.stdout, proc.stdout[:2000]


def test_docs_shows_a_live_progress_line_on_a_terminal(built, tmp_path):
    """`iso-pipeline docs` on a terminal: a spinner line with the step, the node being compiled (k/N name) and the
    elapsed time, and a line per finished step with its duration; then the site's paths."""
    target = tmp_path / "target"
    target.mkdir()
    shutil.copy2(built / "dbt_target" / "partial_parse.msgpack", target / "partial_parse.msgpack")
    code, output = in_terminal([*CLI, "docs", "--no-serve", "--select", "tag:ercot", "--target-path", str(target)],
                               _env(tmp_path, data=built))
    text = _plain(output)
    assert code == 0, text[-3000:]
    assert f"{ESC}[" in output  # drawn for a terminal
    live = re.findall(r"docs: compiling (\d+) nodes: (\d+)/(\d+) \S+.* (0:\d\d:\d\d)", text)
    assert len(live) >= 3, text[-3000:]  # the live line moved on with the nodes
    assert all(total == of for total, _, of, _ in live) and len({done for _, done, _, _ in live}) >= 3, live
    for step in ("parsing the project", r"compiling \d+ nodes", r"building the catalog \(column types",
                 "adding the lineage graph's views"):
        assert re.search(rf"✓ docs: {step}.* \d+\.\ds", text), f"no finished-step line for {step!r}:\n{text[-3000:]}"
    assert re.search(r"^site: .*index\.html", text, flags=re.M), text[-2000:]
