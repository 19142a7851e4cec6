"""`iso-pipeline docs`: generate the dbt docs site and serve it offline.

`dbt docs generate --static` writes, into the dbt target folder, both forms of the site:
- `index.html` + `manifest.json` + `catalog.json`: the page fetches the two JSON files, so it needs an HTTP server
  (a page opened from file:// may not fetch); we serve the folder on 127.0.0.1 on a free port;
- `static_index.html`: one self-contained file with the JSON inlined, which opens from disk without a server
  (mail it, attach it to a ticket).

Column types and the columns of the wide tables come from the warehouse (`catalog.json`), so the site is complete
after a build (`iso-pipeline demo`, `dbt build`). Models whose upstream was never built cannot be compiled (their
SQL reads the warehouse at compile time: pivot columns, changed partitions); then the site is generated without
compiled SQL (the catalog still has every relation that exists), and we say so. `select` compiles only what was
built (e.g. `tag:ercot`).
"""

from __future__ import annotations

import functools
import logging
import os
import threading
from dataclasses import dataclass
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import duckdb

from .config import PROJECT_ROOT, data_dir
from .dbt import run_dbt

log = logging.getLogger(__name__)


class DocsError(RuntimeError):
    """dbt could not generate the site."""


@dataclass(frozen=True)
class DocsSite:
    target: Path                        # the dbt target folder holding the site
    compiled: bool = True               # False: generated without compiled SQL (see fallback_reason)
    fallback_reason: str | None = None

    @property
    def index(self) -> Path:
        return self.target / "index.html"

    @property
    def static_index(self) -> Path:
        return self.target / "static_index.html"

    @property
    def manifest(self) -> Path:
        return self.target / "manifest.json"

    @property
    def catalog(self) -> Path:
        return self.target / "catalog.json"


def target_dir(target: Path | None = None) -> Path:
    """The dbt target folder: `target`, else $DBT_TARGET_PATH, else target/ (relative paths: from the project)."""
    path = Path(target or os.environ.get("DBT_TARGET_PATH") or "target").expanduser()
    return path if path.is_absolute() else PROJECT_ROOT / path


def warehouse_built(base: Path) -> bool:
    """True when the warehouse has been through a dbt run (the landing registry exists), so models compile."""
    db = base / "warehouse.duckdb"
    if not db.exists():
        return False
    try:
        with duckdb.connect(str(db), read_only=True) as con:
            n = con.execute(
                "select count(*) from information_schema.tables"
                " where table_schema = 'landing' and table_name = 'landed_files'"
            ).fetchone()[0]
    except duckdb.Error as exc:  # e.g. locked by a running dbt: let dbt itself report the problem
        log.warning("could not inspect %s (%s); generating with compilation", db, exc)
        return True
    return n > 0


def _first_error(output: str) -> str:
    """The line of dbt's output that names what failed (e.g. `Runtime Error in model x (path)`)."""
    lines = [line.strip() for line in output.splitlines()]
    for i, line in enumerate(lines):
        if " Error in " in line or line.startswith(("Compilation Error", "Parsing Error")):
            detail = next((n for n in lines[i + 1:] if n), "")
            return f"{line}: {detail}" if detail else line
    return next((line for line in reversed(lines) if line), "")


def generate(base: Path | None = None, target: Path | None = None, select: str | None = None, quiet: bool = False,
             env: dict[str, str] | None = None) -> DocsSite:
    """Run `dbt docs generate --static` for data directory `base` into `target`; returns the site.

    select: a dbt selector (e.g. `tag:ercot`): compile and catalog only those nodes (what was built); the site still
    lists every node. Without it everything is compiled, and when that fails (a model whose upstream was never built
    cannot compile: e.g. only ERCOT was built) the site is generated without compiled SQL (warning `fallback_reason`).
    quiet: capture dbt's output (shown only on failure); env: extra environment for dbt (e.g. DBT_LOG_PATH).
    """
    base = base or data_dir()
    target = target_dir(target)
    env = {**(env or {}), "DBT_TARGET_PATH": str(target)}

    def run(args: list[str], capture: bool) -> tuple[int, str]:
        proc = run_dbt(args, base=base, capture=capture, env=env)
        return proc.returncode, (proc.stdout or "") + (proc.stderr or "")

    def uncompiled() -> None:
        # `docs generate --no-compile --static` reads manifest.json without writing it: parse first
        for args in (["parse"], ["docs", "generate", "--no-compile", "--static"]):
            code, output = run(args, quiet)
            if code != 0:
                raise DocsError(f"`dbt {' '.join(args)}` failed (exit {code}): {output[-4000:] if quiet else '(see above)'}")

    fallback_reason = None
    if not warehouse_built(base):
        fallback_reason = "the warehouse has not been built yet"
        uncompiled()
    else:
        args = ["docs", "generate", "--static", *(["--select", select] if select else [])]
        # without a selection a failure is expected when part of the project was never built: capture, fall back
        code, output = run(args, quiet or not select)
        if code != 0 and select:
            raise DocsError(f"`dbt {' '.join(args)}` failed (exit {code}): "
                            f"{output[-4000:] if quiet else '(see above)'}")
        if code != 0:
            fallback_reason = f"some models cannot be compiled against this warehouse ({_first_error(output)})"
            uncompiled()
    site = DocsSite(target, compiled=fallback_reason is None, fallback_reason=fallback_reason)
    missing = [p.name for p in (site.index, site.static_index, site.manifest, site.catalog) if not p.exists()]
    if missing:
        raise DocsError(f"dbt docs generate did not write {', '.join(missing)} in {target}")
    return site


class _QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args) -> None:  # noqa: A002 - the base class's signature
        log.debug("docs server: " + format, *args)


def serve(site_dir: Path, host: str = "127.0.0.1", port: int = 0) -> ThreadingHTTPServer:
    """An HTTP server for `site_dir` on host:port (port 0: a free one); call serve_forever() or use serve_background()."""
    handler = functools.partial(_QuietHandler, directory=str(site_dir))
    return ThreadingHTTPServer((host, port), handler)


def url_of(server: ThreadingHTTPServer) -> str:
    host, port = server.server_address[:2]
    return f"http://{host}:{port}/"


def serve_background(site_dir: Path, host: str = "127.0.0.1", port: int = 0) -> ThreadingHTTPServer:
    """serve() in a daemon thread; stop with server.shutdown(); server.server_close()."""
    server = serve(site_dir, host, port)
    threading.Thread(target=server.serve_forever, name="docs-server", daemon=True).start()
    return server
