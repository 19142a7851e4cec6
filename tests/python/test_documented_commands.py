"""Every command the README shows, and every command the demo's summary ends with, runs as written.

The commands are read from README.md's ```sh blocks (and ingest.demo.closing_commands), not copied here, so a new
documented command is run the day it is documented. Each runs through bash from the project directory, after the
README's own `source .venv/bin/activate`, with the tools this project installs and nothing else on PATH but the
system's: a command the setup does not install (the `duckdb` shell was one) fails here.

What is adapted, and why (nothing else is):
- the data directory, dbt's target and log folders, and $HOME are temporary (the documented `~/Downloads/ercot/`
  holds two freshly generated ERCOT days);
- `make test` is this suite (CI runs it through .ci/run), so it is only checked to be the Makefile's test target;
- a command that serves the docs (`make docs`, `iso-pipeline docs` without --no-serve) runs until it prints its URL,
  the page is fetched, then it is stopped (Ctrl-C);
- `iso-pipeline check` may exit 1: the README says it does when an alert fires (the sample's 2024 data is stale today).
Everything runs piped, so each command's output must also be free of ANSI escape codes (plain `dbt` excepted: it
colours whatever its output is, as dbt does).
"""

from __future__ import annotations

import os
import re
import shlex
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from ingest.config import PROJECT_ROOT
from ingest.demo import closing_commands

pytestmark = pytest.mark.e2e

README = PROJECT_ROOT / "README.md"
BIN = Path(sys.executable).parent
# exit codes the documentation promises besides 0
ALLOWED_EXIT = {"iso-pipeline check": {0, 1}}


def documented_commands(text: str) -> list[str]:
    """The command lines of the ```sh blocks of a Markdown text (indented blocks too), trailing comments removed."""
    commands = []
    for block in re.findall(r"^[ \t]*```sh\n(.*?)^[ \t]*```", text, flags=re.S | re.M):
        for line in block.splitlines():
            line = _strip_comment(line).strip()
            if line:
                commands.append(line)
    return commands


def _strip_comment(line: str) -> str:
    """`line` without a trailing `# comment` (a # inside quotes stays), as bash reads it."""
    quote = None
    for i, char in enumerate(line):
        if quote:
            quote = None if char == quote else quote
        elif char in "'\"":
            quote = char
        elif char == "#" and (i == 0 or line[i - 1].isspace()):
            return line[:i]
    return line


def test_readme_commands_are_found():
    """The parser sees the README's commands (a parser that found nothing would pass everything below)."""
    commands = documented_commands(README.read_text())
    assert "make demo" in commands and "dbt build --select tag:ercot" in commands
    assert any(c.startswith("iso-pipeline sql ") for c in commands)
    assert not any("#" in c and "'#" not in c for c in commands), commands


@pytest.fixture(scope="module")
def world(tmp_path_factory) -> dict:
    root = tmp_path_factory.mktemp("documented")
    home = root / "home"
    (home / "Downloads").mkdir(parents=True)
    env = {
        "PATH": f"{BIN}:/usr/local/bin:/usr/bin:/bin",
        "HOME": str(home),
        "ISO_DATA_DIR": str(root / "data"),
        "DBT_TARGET_PATH": str(root / "target"),
        "DBT_LOG_PATH": str(root / "logs"),
        "LANG": "C.UTF-8",
        "CI": os.environ.get("CI", ""),
    }
    # two ERCOT days after the demo's three weeks: what a user would have in ~/Downloads/ercot/
    subprocess.run([str(BIN / "iso-pipeline"), "generate-sample", str(home / "Downloads" / "ercot"),
                    "--start", "2024-11-11", "--days", "2"], env=env, check=True, capture_output=True)
    return {"root": root, "env": env}


def _activate() -> str:
    activate = BIN / "activate"
    assert activate.exists(), f"{activate} missing: the README's `source .venv/bin/activate` would fail"
    return f"source {shlex.quote(str(activate))}"


def _serves_docs(command: str) -> bool:
    return command == "make docs" or (command.startswith("iso-pipeline docs") and "--no-serve" not in command)


def _run(command: str, env: dict) -> tuple[int, str]:
    script = f"{_activate()} && {command}"
    if _serves_docs(command):
        return _run_server(script, env)
    proc = subprocess.run(["bash", "-c", script], cwd=PROJECT_ROOT, env=env, capture_output=True, text=True,
                          timeout=900)
    return proc.returncode, proc.stdout + proc.stderr


def _run_server(script: str, env: dict) -> tuple[int, str]:
    """Run a docs-serving command until it prints its URL, fetch the page, stop it with Ctrl-C (SIGINT)."""
    proc = subprocess.Popen(["bash", "-c", script], cwd=PROJECT_ROOT, env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True, start_new_session=True)
    output, deadline = [], time.monotonic() + 900
    try:
        for line in proc.stdout:
            output.append(line)
            url = re.search(r"(http://127\.0\.0\.1:\d+/\S*)", line)
            if url:
                with urllib.request.urlopen(url.group(1), timeout=30) as response:
                    page = response.read().decode()
                assert "dbt" in page.lower(), page[:500]
                return 0, "".join(output)
            if time.monotonic() > deadline:
                break
        return proc.wait(timeout=30) or 1, "".join(output) + "\n(no URL printed)"
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGINT)
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)


def test_every_readme_command_runs_as_written(world):
    """In README order: `make demo` first builds the three ISOs, then the everyday commands run against it."""
    commands = documented_commands(README.read_text())
    assert commands[0] == "make demo", "the README starts with the demo: later commands need its warehouse"
    failures, ran = [], []
    for command in dict.fromkeys(commands):  # each distinct command once (`make docs` is shown twice)
        if command == "make test":
            makefile = (PROJECT_ROOT / "Makefile").read_text()
            assert re.search(r"^test:.*\n\t\$\(BIN\)/python -m pytest", makefile, flags=re.M), "make test runs pytest"
            continue
        if command.startswith("source "):
            continue  # prefixed to every command below
        for part in [p.strip() for p in command.split(";")]:
            code, output = _run(part, world["env"])
            ran.append(part)
            if code not in ALLOWED_EXIT.get(part, {0}):
                failures.append(f"$ {part}\nexit {code}\n{output[-3000:]}")
            elif "\x1b[" in output and not part.startswith("dbt "):
                # piped, as here, our commands write plain text: no colours or cursor moves. Plain `dbt` colours
                # always (dbt has no terminal check; docs/configuration.md says how to turn it off)
                failures.append(f"$ {part}\nwrote ANSI escape codes into a pipe:\n{output[-1500:]!r}")
    assert not failures, "\n\n".join(failures)
    # the documented landing really landed the two new days, and the documented build built them
    status = subprocess.run(["bash", "-c", f"{_activate()} && iso-pipeline sql --format csv "
                             "\"select max(datetime) from ercot.da_prices\""],
                            cwd=PROJECT_ROOT, env=world["env"], capture_output=True, text=True)
    assert status.returncode == 0 and "2024-11-13" in status.stdout, status.stdout + status.stderr
    assert len(ran) >= 10, ran


def test_every_demo_summary_command_runs(world):
    """The commands the demo prints last, on the demo's warehouse (run after the README test has built it)."""
    data = Path(world["env"]["ISO_DATA_DIR"])
    if not (data / "warehouse.duckdb").exists():
        code, output = _run("make demo", world["env"])
        assert code == 0, output[-3000:]
    for command in closing_commands(data):
        code, output = _run(command, world["env"])
        assert code == 0, f"$ {command}\nexit {code}\n{output[-3000:]}"
        assert re.search(r"HB_NORTH|\d+ rows?", output), output[-2000:]
