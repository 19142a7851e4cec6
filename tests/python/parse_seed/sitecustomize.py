"""Test runs only: a dbt process that would parse the whole project again only because it runs on another data
directory starts from the partial-parse state of one parse of the project instead (about 20 s saved per new data
directory: the suite builds about a hundred).

Why it is needed: dbt parses everything again when the rendered profile changes, and the warehouse path in
profiles.yml is the data directory's; the parsed project holds the data directory only as a prefix of paths (the
sources' `external_location`, the Stage 4 models' `location`). So the state parsed for data directory T is, with T
replaced by D in every string and the profile's hash recomputed, the state dbt would parse for D:
tests/python/test_parse_seed.py proves it against a real full parse, and dbt still parses whatever else changed.

conftest.py puts this folder on PYTHONPATH and names a session folder in ISO_PIPELINE_TEST_PARSE_SEED; the first full
parse of the project on the default DuckDB target becomes the template there. Anything unusual (another project or
target, `--vars`, a data directory with characters SQL or YAML would escape) is left to dbt. Tests of dbt's own
partial-parse behaviour unset the variable (the `real_parse` fixture).

With the variable set, `build`, `run`, `test` and `seed` also write manifest.json only at the end of their run
(write_manifest_once)."""

from __future__ import annotations

import atexit
import os
import re
import sys
from pathlib import Path

SEED_ENV = "ISO_PIPELINE_TEST_PARSE_SEED"
PARSING_COMMANDS = {"build", "run", "test", "seed", "compile", "show", "ls", "list", "parse", "docs",
                    "run-operation", "source", "retry", "snapshot"}
PLAIN_PATH = re.compile(r"^[A-Za-z0-9_./-]+$")
MSGPACK = "partial_parse.msgpack"


def _arg(flag: str, env: str, default: str | None = None) -> str | None:
    argv = sys.argv
    if flag in argv and argv.index(flag) + 1 < len(argv):
        return argv[argv.index(flag) + 1]
    return os.environ.get(env, default)


def _plan() -> tuple[Path, Path, str, str] | None:
    """(template folder, target folder, data directory, profile hash) when this dbt process may be seeded."""
    seed = os.environ.get(SEED_ENV)
    if not seed or Path(sys.argv[0]).name != "dbt" or not PARSING_COMMANDS & set(sys.argv[1:]):
        return None
    if "--vars" in sys.argv or "-t" in sys.argv or _arg("--target", "DBT_TARGET", "dev") != "dev":
        return None
    project = Path(_arg("--project-dir", "DBT_PROJECT_DIR", os.getcwd())).resolve()
    profiles = Path(_arg("--profiles-dir", "DBT_PROFILES_DIR", str(project))).resolve()
    template_project = Path(os.environ.get(SEED_ENV + "_PROJECT", "")).resolve()
    if project != template_project or profiles != project:
        return None
    target = Path(_arg("--target-path", "DBT_TARGET_PATH", str(project / "target")))
    if not target.is_absolute():
        target = project / target
    data_dir, profile_hash = _profile(project)
    if data_dir is None or not PLAIN_PATH.match(data_dir):
        return None
    return Path(seed), target, data_dir, profile_hash


def _profile(project: Path) -> tuple[str | None, str]:
    """The data directory and the profile hash dbt will compute (dbt/parser/manifest.py build_manifest_state_check)."""
    import pprint
    from argparse import Namespace

    from dbt.adapters.factory import load_plugin
    from dbt.config.runtime import load_profile
    from dbt.contracts.files import FileHash
    from dbt.flags import set_from_args
    from dbt_common.context import set_invocation_context

    set_from_args(Namespace(profiles_dir=str(project), project_dir=str(project)), None)
    set_invocation_context(os.environ)
    load_plugin("duckdb")
    credentials = load_profile(str(project), {}).credentials
    if credentials.type != "duckdb":
        return None, ""
    return (str(Path(credentials.path).parent),
            FileHash.from_contents(pprint.pformat(sorted(credentials.connection_info()))).checksum)


def _state(path: Path) -> dict | None:
    import msgpack

    try:
        return msgpack.unpackb(path.read_bytes(), raw=False, strict_map_key=False)
    except (OSError, ValueError, msgpack.ExtraData):
        return None


def _replace(value, old: str, new: str):
    if isinstance(value, str):
        return value.replace(old, new) if old in value else value
    if isinstance(value, dict):
        return {_replace(k, old, new): _replace(v, old, new) for k, v in value.items()}
    if isinstance(value, list):
        return [_replace(v, old, new) for v in value]
    return value


def _write(path: Path, state: dict) -> None:
    import msgpack

    path.parent.mkdir(parents=True, exist_ok=True)
    part = path.with_name(path.name + f".{os.getpid()}.part")
    part.write_bytes(msgpack.packb(state, use_bin_type=True))
    os.replace(part, path)


def _log(template: Path, line: str) -> None:
    with open(template / "seeded.log", "a") as log:
        log.write(line + "\n")


def _keep_as_template(template: Path, target: Path, data_dir: str, profile_hash: str) -> None:
    """After this process's full parse: its state becomes the template (when it is the state for this profile)."""
    state = _state(target / MSGPACK)
    if state is None or state["state_check"]["profile_hash"]["checksum"] != profile_hash:
        return
    template.mkdir(parents=True, exist_ok=True)
    (template / "data_dir").write_text(data_dir)
    _write(template / MSGPACK, state)


def seed() -> None:
    plan = _plan()
    if plan is None:
        return
    template, target, data_dir, profile_hash = plan
    current = _state(target / MSGPACK)
    if current is not None and current["state_check"]["profile_hash"]["checksum"] == profile_hash:
        return  # dbt's own partial parse
    state = _state(template / MSGPACK) if (template / "data_dir").exists() else None
    if state is None:
        atexit.register(_keep_as_template, template, target, data_dir, profile_hash)
        return
    old = (template / "data_dir").read_text()
    state = _replace(state, old, data_dir)
    state["state_check"]["profile_hash"]["checksum"] = profile_hash
    _write(target / MSGPACK, state)
    _log(template, f"{data_dir} {target}")


def write_manifest_once() -> None:
    """`build`, `run`, `test` and `seed` write manifest.json twice: after parsing, before any node runs, and again at
    the end (with what the run compiled). A test reads it only after dbt exits, so a test run's dbt writes it at the
    end only (3-5 s less per dbt process on a 2-core machine, for ~900 nodes; the suite starts about 120)."""
    if not os.environ.get(SEED_ENV) or Path(sys.argv[0]).name != "dbt":
        return
    if not {"build", "run", "test", "seed"} & set(sys.argv[1:]):
        return
    import dbt.parser.manifest
    import dbt.task.runnable  # binds the writer the end of a run calls, before it is replaced for the parse

    dbt.parser.manifest.write_manifest = lambda *args, **kwargs: None


try:
    seed()
    write_manifest_once()
except Exception as error:  # noqa: BLE001 - never in dbt's way: dbt then parses in full, as without this file
    print(f"parse seed skipped: {error!r}", file=sys.stderr)
