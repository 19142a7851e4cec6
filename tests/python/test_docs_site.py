"""The dbt docs site is a product: after a real build, `iso-pipeline docs` generates it, everything in it is
documented (manifest.json + catalog.json), the published outputs are exposures, and the site works in a real
browser (headless Chromium over the DevTools protocol: lineage graph, column descriptions, the single-file form).

Chromium is Debian's `chromium` package (`.ci/run` installs it). Without it these browser tests fail when CI=true
and skip otherwise.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import quote

import browser as chromium_fixture
import pytest
from browser import Chromium, need

from ingest.config import PROJECT_ROOT
from ingest.docs import graph_views, serve_background, url_of

pytestmark = pytest.mark.e2e
browser = chromium_fixture.browser  # the fixture: a running headless Chromium (or why there is none)

PACKAGE = "iso_pipeline"
STAGE4_MODEL = "ercot_da_as_rt_hourly"
# the DA branch of its lineage, source to Stage 4 (the test checks every ancestor; these are named in failures)
UPSTREAM_CHAIN = ["ercot_landed.np4_190_cd", "stg_ercot__dam_spp", "int_ercot__da_prices", "ercot_da_prices",
                  "int_ercot__da_prices_filled", "ercot_flat_da_prices", "ercot_da_as_combined"]


BUILT_SELECTION = "tag:ercot"  # what the `built` fixture builds (conftest.py)


# ------------------------------------------------------------------------------------------------------------------
# the site, generated once for this module by the real command


def _docs_command(data: Path, work: Path, *args: str, parsed_in: Path | None = None) -> subprocess.CompletedProcess:
    """`iso-pipeline docs --no-serve` for data dir `data`, site in work/target. parsed_in: a dbt target folder of
    this project whose partial-parse state to start from (saves a full parse; dbt re-parses whatever changed)."""
    target = work / "target"
    if parsed_in is not None and (parsed_in / "partial_parse.msgpack").exists():
        target.mkdir(parents=True, exist_ok=True)
        shutil.copy2(parsed_in / "partial_parse.msgpack", target / "partial_parse.msgpack")
    env = {**os.environ, "ISO_DATA_DIR": str(data), "DBT_LOG_PATH": str(work / "logs")}
    env.pop("DBT_TARGET_PATH", None)
    proc = subprocess.run([sys.executable, "-m", "ingest.cli", "docs", "--no-serve", "--target-path", str(target), *args],
                          cwd=PROJECT_ROOT, env=env, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-4000:]
    return proc


@pytest.fixture(scope="module")
def site(built: Path, tmp_path_factory) -> dict:
    """`iso-pipeline docs --no-serve --select tag:ercot` on the built ERCOT sample; the parsed manifest and catalog."""
    work = tmp_path_factory.mktemp("docs_site")
    target = work / "target"
    proc = _docs_command(built, work, "--select", BUILT_SELECTION, parsed_in=built / "dbt_target")
    return {
        "target": target,
        "stdout": proc.stdout,
        "stderr": proc.stderr,
        "manifest": json.loads((target / "manifest.json").read_text()),
        "catalog": json.loads((target / "catalog.json").read_text()),
    }


def test_docs_command_writes_both_forms(site):
    target = site["target"]
    assert (target / "index.html").stat().st_size > 100_000
    static = target / "static_index.html"
    # the single-file form has the manifest and catalog inlined, so it opens from disk without a server
    assert static.stat().st_size > (target / "index.html").stat().st_size
    assert PACKAGE in static.read_text(errors="replace")[-5_000_000:]
    assert static.as_uri() in site["stdout"]
    assert "note:" not in site["stdout"]  # compiled: the models' compiled SQL is in the site
    compiled = site["manifest"]["nodes"][f"model.{PACKAGE}.ercot_flat_da_prices"].get("compiled_code") or ""
    assert "pivot" in compiled.lower() and "HB_NORTH" in compiled


def test_docs_command_progress_is_one_plain_line_per_step_when_piped(site):
    """Piped (as in the site fixture), dbt's steps come as plain lines on stderr, none per node and no terminal codes;
    stdout keeps only the results (the site's paths)."""
    steps = [line for line in site["stderr"].splitlines() if line.startswith("docs: ")]
    names = [re.sub(r" \([\d.]+s\)$", "", line.removeprefix("docs: ")) for line in steps]
    assert names[:2] == ["starting dbt", "parsing the project"], site["stderr"][-3000:]
    compiling = [n for n in names if n.startswith("compiling ")]
    assert len(compiling) == 1 and re.fullmatch(r"compiling \d{3,} nodes", compiling[0]), names
    assert names[-2:] == ["building the catalog (column types from the warehouse)", "adding the lineage graph's views"]
    assert len(steps) == len(site["stderr"].splitlines()) <= 8, site["stderr"][-3000:]  # nothing else: no dbt log
    assert "\x1b" not in site["stderr"] + site["stdout"]
    assert "docs:" not in site["stdout"]


def test_docs_command_before_any_build(tmp_path):
    """On a fresh clone (nothing built) the site is still generated, without compiled SQL, and says so.
    (A full parse: the profile's path depends on ISO_DATA_DIR, so no partial-parse state can be reused.)"""
    empty = tmp_path / "data"
    empty.mkdir()
    proc = _docs_command(empty, tmp_path)
    assert "note: generated without compiled SQL because the warehouse has not been built yet" in proc.stdout
    manifest = json.loads((tmp_path / "target" / "manifest.json").read_text())
    assert f"model.{PACKAGE}.{STAGE4_MODEL}" in manifest["nodes"]
    assert (tmp_path / "target" / "static_index.html").stat().st_size > 1_000_000


# ------------------------------------------------------------------------------------------------------------------
# coverage: every resource and every column is documented


def _ours(resources: dict) -> dict:
    return {uid: node for uid, node in resources.items() if node.get("package_name") == PACKAGE}


def _split_top_level(text: str) -> list[str]:
    parts, depth, quote_char, current = [], 0, None, ""
    for ch in text:
        if quote_char:
            quote_char = None if ch == quote_char else quote_char
        elif ch in "'\"":
            quote_char = ch
        elif ch in "([{":
            depth += 1
        elif ch in ")]}":
            depth -= 1
        elif ch == "," and depth == 0:
            parts.append(current)
            current = ""
            continue
        current += ch
    return [p for p in (parts + [current]) if p.strip()]


def _signature(macro: dict) -> list[str] | None:
    """Argument names of a macro / generic test from its Jinja header (None: no parenthesised signature)."""
    m = re.search(r"\{%-?\s*(?:macro|test)\s+\w+\s*\((.*?)\)\s*-?%\}", macro["macro_sql"], re.S)
    if not m:
        return None
    return [p.split("=")[0].strip() for p in _split_top_level(m.group(1))]


def test_every_model_source_seed_macro_and_generic_test_has_a_description(site):
    manifest = site["manifest"]
    missing = []
    for uid, node in _ours(manifest["nodes"]).items():
        if node["resource_type"] in ("model", "seed") and not node["description"].strip():
            missing.append(uid)
    for uid, node in _ours(manifest["sources"]).items():
        if not node["description"].strip() or not node["source_description"].strip():
            missing.append(uid)
    macros = _ours(manifest["macros"])
    for uid, macro in macros.items():
        if not macro["description"].strip():
            missing.append(uid)
    assert not missing, "no description (add one to the YAML of its folder):\n  " + "\n  ".join(sorted(missing))

    # generic tests are macros test_<name>: one per file in tests/generic, each documented (checked above)
    generic = {p.stem for p in (PROJECT_ROOT / "tests" / "generic").glob("*.sql")}
    assert generic and generic <= {m["name"].removeprefix("test_") for m in macros.values()}


def test_every_macro_argument_is_documented(site):
    problems = []
    for uid, macro in _ours(site["manifest"]["macros"]).items():
        signature = _signature(macro)
        documented = {a["name"]: a.get("description", "") for a in macro["arguments"]}
        if signature is None:  # a materialization: configured, not called with arguments
            continue
        if set(signature) != set(documented):
            problems.append(f"{uid}: signature {signature}, documented {sorted(documented)}")
        problems += [f"{uid}: argument {a} has no description" for a, d in documented.items() if not d.strip()]
    assert not problems, "macro arguments out of step with macros/_macros.yml / tests/generic/_generic_tests.yml:\n  " \
        + "\n  ".join(problems)


def _wide_patterns(node: dict, models_by_name: dict, seen: tuple = ()) -> list[re.Pattern]:
    """meta.wide_columns as regexes: comma-separated names where <...> and * stand for a non-empty part of the name,
    or `as <model>` for the patterns of another model (monthly splits, FULL_DATASET)."""
    spec = (node["config"].get("meta") or {}).get("wide_columns")
    if not spec:
        return []
    spec = spec.strip()
    if spec.startswith("as "):
        other = spec[3:].strip()
        assert other in models_by_name and other not in seen, f"{node['name']}: wide_columns refers to {other!r}"
        return _wide_patterns(models_by_name[other], models_by_name, seen + (node["name"],))
    patterns = []
    for part in (p.strip() for p in spec.split(",")):
        tokens = re.split(r"(<[^>]+>|\*)", part)
        regex = "".join(".+" if t == "*" or t.startswith("<") else re.escape(t) for t in tokens if t)
        patterns.append(re.compile(regex + r"\Z"))
    return patterns


def test_every_column_is_documented(site):
    """Every column the warehouse has for our models is documented in the manifest, except the data-driven columns
    of wide tables (one per settlement point / AS product): those count as documented only when the model declares
    them in meta.wide_columns, the name matches the pattern, the column is a DOUBLE (a price), and the name is not
    a standard column (which must always be documented by name). See the overview, "Wide tables"."""
    manifest, catalog = site["manifest"], site["catalog"]
    models = {uid: n for uid, n in _ours(manifest["nodes"]).items() if n["resource_type"] in ("model", "seed")}
    models_by_name = {n["name"]: n for n in models.values() if n["resource_type"] == "model"}
    standard = {uid.split(".")[-1].removeprefix("col_") for uid in _ours(manifest["docs"]) if ".col_" in uid}
    assert {"datetime", "settlement_point", "da_lmp", "year"} <= standard

    problems, excused = [], 0
    for uid, node in models.items():
        for name, col in node["columns"].items():
            if not (col.get("description") or "").strip():
                problems.append(f"{uid}.{name}: empty description")
        if uid not in catalog["nodes"]:
            if BUILT_SELECTION.removeprefix("tag:") in node["tags"] and node["config"].get("materialized") != "ephemeral":
                problems.append(f"{uid}: built, but not in catalog.json")
            continue  # not built in this warehouse (another ISO): its columns are checked where it is built
        documented = {c.lower() for c in node["columns"]}
        patterns = _wide_patterns(node, models_by_name)
        for name, col in catalog["nodes"][uid]["columns"].items():
            if name.lower() in documented:
                continue
            if name.lower() in standard:
                problems.append(f"{uid}.{name}: a standard column, must be documented by name")
            elif not patterns:
                problems.append(f"{uid}.{name}: undocumented (and the model declares no meta.wide_columns)")
            elif not any(p.match(name) for p in patterns):
                problems.append(f"{uid}.{name}: undocumented, matches no meta.wide_columns pattern")
            elif col["type"].upper() != "DOUBLE":
                problems.append(f"{uid}.{name}: matches meta.wide_columns but is {col['type']}, not a DOUBLE price")
            else:
                excused += 1
        for name in node["columns"]:  # documented columns that do not exist are stale documentation
            if name.lower() not in {c.lower() for c in catalog["nodes"][uid]["columns"]}:
                problems.append(f"{uid}.{name}: documented but not in the relation")
    for uid, source in _ours(manifest["sources"]).items():
        problems += [f"{uid}.{c}: empty description" for c, col in source["columns"].items()
                     if not (col.get("description") or "").strip()]
        if uid in catalog["sources"]:
            documented = {c.lower() for c in source["columns"]}
            problems += [f"{uid}.{c}: undocumented" for c in catalog["sources"][uid]["columns"] if c.lower() not in documented]
    assert not problems, f"{len(problems)} documentation problems:\n  " + "\n  ".join(problems[:200])
    assert excused > 100, "the wide tables of the sample should have many data-driven columns"


def test_published_outputs_are_exposures(site):
    """Every Stage 3 / 4 wide model ends in an exposure, so the lineage graph ends in what users consume."""
    manifest = site["manifest"]
    exposed = {dep for e in _ours(manifest["exposures"]).values() for dep in e["depends_on"]["nodes"]}
    published = {uid for uid, n in _ours(manifest["nodes"]).items()
                 if n["resource_type"] == "model" and (n["config"].get("meta") or {}).get("stage") in ("flattened", "combined")
                 and (n["config"].get("meta") or {}).get("dataset")}
    assert published, "no Stage 3/4 models found by meta.stage (folder-level +meta) and meta.dataset"
    assert not published - exposed, f"not in any exposure of models/exposures.yml: {sorted(published - exposed)}"
    names = {e["name"] for e in _ours(manifest["exposures"]).values()}
    assert {"ercot_flattened", "ercot_combined", "ercot_analysis_ready"} <= names
    for e in _ours(manifest["exposures"]).values():
        assert e["description"].strip() and e["owner"]["name"], e["name"]


def test_overview_explains_the_project(site):
    overview = site["manifest"]["docs"].get(f"doc.{PACKAGE}.__overview__")
    assert overview, "docs/dbt/overview.md must define the __overview__ block"
    text = overview["block_contents"]
    for needle in ["Stage", "Landing", "Wide", "Combined", "rollup_files", "datetime_local", "DST", "DSTFlag",
                   "read_parquet", "polars", "pandas", "wide_columns"]:
        assert needle in text, needle


# ------------------------------------------------------------------------------------------------------------------
# in a real browser: headless Chromium (tests/python/browser.py)


@pytest.fixture(scope="module")
def served(site):
    """The site served over HTTP on 127.0.0.1, a free port (the index fetches manifest.json and catalog.json)."""
    server = serve_background(site["target"])
    yield url_of(server)
    server.shutdown()
    server.server_close()


def _model_uid(name: str) -> str:
    return f"model.{PACKAGE}.{name}"


def _plain(text: str) -> str:
    return " ".join(text.replace("`", "").replace("*", "").split())


_GRAPH_JS = """(() => {
  const el = document.querySelector('#cy');
  const cy = el && el._cyreg && el._cyreg.cy;
  if (!cy || cy.nodes(':visible').length === 0) return null;
  const w = el.clientWidth, h = el.clientHeight;
  const nodes = cy.nodes(':visible').map(n => {
    const b = n.renderedBoundingBox();
    return {id: n.id(), label: n.data('label'), inside: b.x1 >= -1 && b.y1 >= -1 && b.x2 <= w + 1 && b.y2 <= h + 1};
  });
  // rendered = laid out and fitted into the visible panel
  if (w < 200 || h < 200 || !nodes.every(n => n.inside)) return null;
  const select = Array.from(document.querySelectorAll('input')).map(i => i.value);
  return {width: w, height: h, nodes: nodes, select: select};
})()"""


def test_lineage_graph_of_a_stage4_model_renders_its_upstream_chain(site, served, browser, tmp_path):
    chromium = need(browser)
    manifest = site["manifest"]
    uid = _model_uid(STAGE4_MODEL)
    selector = f"+{STAGE4_MODEL}+"
    chromium.goto(f"{served}#!/model/{uid}?g_v=1&g_i={quote(selector)}")
    graph = chromium.wait_for(_GRAPH_JS, timeout=45)
    shot = chromium.screenshot(tmp_path / "lineage.png")
    print(f"lineage screenshot: {shot}")
    assert graph, f"the lineage graph did not render (screenshot {shot}, log {chromium.log})"
    assert selector in graph["select"], graph["select"]

    visible = {n["id"] for n in graph["nodes"]}
    labels = {n["label"] for n in graph["nodes"]}
    missing_chain = [name for name in UPSTREAM_CHAIN if name not in labels]
    assert not missing_chain, f"upstream chain not in the lineage graph: {missing_chain} (screenshot {shot})"

    # every model, seed and source upstream of the Stage 4 model (from the manifest) is drawn
    ancestors, todo = set(), [uid]
    while todo:
        for parent in manifest["parent_map"].get(todo.pop(), []):
            if parent.split(".")[0] in ("model", "seed", "source") and parent not in ancestors:
                ancestors.add(parent)
                todo.append(parent)
    assert len(ancestors) > 15
    assert not ancestors - visible, f"ancestors missing from the graph: {sorted(ancestors - visible)}"
    # and downstream it ends in what users consume: the exposures
    assert {f"exposure.{PACKAGE}.ercot_combined", f"exposure.{PACKAGE}.ercot_analysis_ready"} <= visible


# the graph opens readable: one ISO and stage at a time (ingest/docs.py add_graph_views), the full graph one click away

_VIEW_JS = """(() => {
  const el = document.querySelector('#cy');
  const cy = el && el._cyreg && el._cyreg.cy;
  const bar = document.querySelector('#iso-graph-views');
  if (!cy || !bar || !el.closest('.launcher[data-launcher="fullscreen"]')) return null;
  const w = el.clientWidth, h = el.clientHeight;
  const nodes = cy.nodes(':visible').map(n => {
    const b = n.renderedBoundingBox();
    return {id: n.id(), font: parseFloat(n.renderedStyle('font-size')),
            inside: b.x1 >= -1 && b.y1 >= -1 && b.x2 <= w + 1 && b.y2 <= h + 1};
  });
  if (!nodes.length || !nodes.every(n => n.inside)) return null;  // not laid out and fitted yet
  const inputs = Array.from(document.querySelectorAll('.launcher-footer input[type=text]')).map(i => i.value);
  const active = Array.from(bar.querySelectorAll('button.active')).map(b => b.textContent);
  return {ids: nodes.map(n => n.id).sort(), font: Math.min(...nodes.map(n => n.font)), include: inputs[0],
          exclude: inputs[1], active: active};
})()"""


def _graph_view(chromium: Chromium, include: str, timeout: float = 45) -> dict | None:
    """The graph on screen once it shows selection `include`, laid out, fitted and unchanged for half a second."""
    deadline, last = time.monotonic() + timeout, None
    while time.monotonic() < deadline:
        try:
            view = chromium.evaluate(_VIEW_JS)
        except RuntimeError:
            view = None
        if view and view["include"] == include and view == last:
            return view
        last = view
        time.sleep(0.5)
    return None


def _click(chromium: Chromium, selector: str) -> None:
    assert chromium.evaluate(f"(() => {{ const b = document.querySelector({json.dumps(selector)});"
                             " if (b) b.click(); return !!b; })()"), f"nothing to click at {selector}"


def _in_graph(manifest: dict) -> set[str]:
    """Every model, seed, source and exposure: what the full graph draws."""
    return {uid for group in ("nodes", "sources", "exposures") for uid, n in manifest[group].items()
            if n["resource_type"] in ("model", "seed", "source", "exposure")}


READABLE_NODES, READABLE_FONT_PX = 60, 9.5  # at 1400 x 900: the full graph draws ~150 labels at under 2 px


def test_lineage_graph_opens_readable_with_the_full_graph_one_click_away(site, served, browser, tmp_path):
    chromium = need(browser)
    manifest = site["manifest"]
    views = graph_views(manifest)
    first = views["views"][f"{views['isos'][0]['key']}/{views['stages'][0]['key']}"]
    chromium.goto(f"{served}#!/overview")
    assert chromium.wait_for("document.body.innerText.includes('The four stages')")
    _click(chromium, ".launcher-btn a")  # the round button, on the overview: dbt-docs would draw every node
    graph = _graph_view(chromium, first["include"])
    shot = chromium.screenshot(tmp_path / "lineage_default.png")
    print(f"default lineage view: {shot}")
    assert graph, f"the lineage graph did not open on {first} (screenshot {shot}, log {chromium.log})"
    assert graph["exclude"] == first["exclude"] and graph["active"] == ["ERCOT", "Stage 2: long"], graph
    ids = set(graph["ids"])
    assert 10 <= len(ids) <= READABLE_NODES, f"{len(ids)} nodes (screenshot {shot})"
    assert graph["font"] >= READABLE_FONT_PX, f"labels drawn at {graph['font']:.1f} px (screenshot {shot})"
    # ERCOT's landed reports to its Stage 2 tables: every node is ERCOT's (or the landing registry they all read)
    assert {_model_uid("ercot_da_prices"), f"source.{PACKAGE}.ercot_landed.np4_190_cd"} <= ids
    assert all("ercot" in uid or uid == f"source.{PACKAGE}.landing.landed_files" for uid in ids), sorted(ids)

    _click(chromium, "#iso-graph-views [data-view=full]")  # one click: the full graph
    full = _graph_view(chromium, "")
    full_shot = chromium.screenshot(tmp_path / "lineage_full.png")
    assert full, f"the full graph did not open (screenshot {full_shot})"
    assert not _in_graph(manifest) - set(full["ids"]), sorted(_in_graph(manifest) - set(full["ids"]))[:20]
    assert full["active"] == ["Full graph"] and full["font"] < READABLE_FONT_PX  # why it is not the default


def test_every_lineage_view_is_readable(site, served, browser, tmp_path):
    """Each ISO and stage, chosen with the bar at the top of the graph: a readable subset, all of that ISO."""
    chromium = need(browser)
    views = graph_views(site["manifest"])
    isos = {p.name for p in (PROJECT_ROOT / "models" / "rollup").iterdir() if p.is_dir()}
    assert {i["key"] for i in views["isos"]} == isos and views["isos"][0]["label"] == "ERCOT", views["isos"]
    chromium.goto(f"{served}#!/overview")
    assert chromium.wait_for("document.body.innerText.includes('The four stages')")
    _click(chromium, ".launcher-btn a")
    problems, seen = [], {}
    for iso in views["isos"]:
        _click(chromium, f"#iso-graph-views [data-iso={iso['key']}]")
        for stage in views["stages"]:
            _click(chromium, f"#iso-graph-views [data-stage='{stage['key']}']")
            view = views["views"][f"{iso['key']}/{stage['key']}"]
            graph = _graph_view(chromium, view["include"])
            name = f"{iso['label']} {stage['label']}"
            if not graph:
                problems.append(f"{name}: not shown (screenshot {chromium.screenshot(tmp_path / 'view.png')})")
                continue
            shot = chromium.screenshot(tmp_path / f"lineage_{iso['key']}_{stage['key']}.png")
            ids = graph["ids"]
            seen[name] = len(ids)
            foreign = [uid for uid in ids if iso["key"] not in uid and not uid.endswith(".landing.landed_files")]
            if not 2 <= len(ids) <= READABLE_NODES or graph["font"] < READABLE_FONT_PX or foreign:
                problems.append(f"{name}: {len(ids)} nodes, labels {graph['font']:.1f} px, not {iso['label']}'s: "
                                f"{foreign[:5]} (screenshot {shot})")
            if graph["active"] != [iso["label"], stage["label"]]:
                problems.append(f"{name}: the bar highlights {graph['active']}")
    assert not problems, "\n".join(problems)
    # together the views cover each ISO's lineage from its landed reports to its published outputs
    assert len(seen) == 3 * len(isos) and sum(seen.values()) > 100, seen


def _column_expectations(manifest: dict, name: str) -> dict[str, str]:
    node = manifest["nodes"][_model_uid(name)]
    return {col: _plain(c["description"])[:80] for col, c in node["columns"].items()}


_MISSING_TEXT_JS = """((expected) => {
  if (!document.body) return null;
  const text = document.body.innerText.replace(/[`*]/g, '').split(/\\s+/).join(' ');
  if (!text.includes('Columns')) return null;
  return expected.filter(s => !text.includes(s));
})(%s)"""


_SCROLL_TO_COLUMNS_JS = """(() => {
  const heading = Array.from(document.querySelectorAll('h1, h2, h3, h4, h5, h6'))
    .find(e => e.innerText.trim() === 'Columns');
  if (heading) heading.scrollIntoView();
  return !!heading;
})()"""


def _missing_descriptions(chromium: Chromium, expected: list[str], timeout: float = 30) -> list[str] | None:
    """The expected texts not (yet) on the page, polled until none is missing or the timeout."""
    deadline = time.monotonic() + timeout
    missing = None
    while time.monotonic() < deadline:
        try:
            missing = chromium.evaluate(_MISSING_TEXT_JS % json.dumps(expected))
        except RuntimeError:  # the page is still loading
            missing = None
        if missing == []:
            return missing
        time.sleep(0.2)
    return missing


@pytest.mark.parametrize("model", ["ercot_da_prices", "ercot_hub_daily_peak_prices", STAGE4_MODEL])
def test_model_page_shows_column_descriptions(site, served, browser, tmp_path, model):
    chromium = need(browser)
    expected = _column_expectations(site["manifest"], model)
    chromium.goto(f"{served}#!/model/{_model_uid(model)}")
    missing = _missing_descriptions(chromium, [model, *expected.values()])
    chromium.evaluate(_SCROLL_TO_COLUMNS_JS)
    shot = chromium.screenshot(tmp_path / f"{model}.png")
    print(f"model page screenshot: {shot}")
    assert missing == [], f"not shown on the {model} page: {missing} (screenshot {shot})"
    if model == STAGE4_MODEL:  # the data-driven columns come from the catalog, with their types
        text = chromium.evaluate("document.body.innerText")
        assert "DA_HB_NORTH" in text and "RT_AVG_HB_NORTH" in text and "DOUBLE" in text


def test_static_single_file_site_opens_from_disk(site, browser, tmp_path):
    chromium = need(browser)
    expected = _column_expectations(site["manifest"], "ercot_da_prices")
    chromium.goto(f"{(site['target'] / 'static_index.html').as_uri()}#!/model/{_model_uid('ercot_da_prices')}")
    missing = _missing_descriptions(chromium, list(expected.values()))
    shot = chromium.screenshot(tmp_path / "static.png")
    assert missing == [], f"static_index.html: not shown {missing} (screenshot {shot})"
    overview_text = _plain(site["manifest"]["docs"][f"doc.{PACKAGE}.__overview__"]["block_contents"])
    chromium.goto(f"{(site['target'] / 'static_index.html').as_uri()}#!/overview")
    assert chromium.wait_for("document.body.innerText.includes('The four stages')"), \
        f"overview not shown (screenshot {chromium.screenshot(tmp_path / 'overview.png')})"
    assert "The four stages" in overview_text
    # the graph views are in this form too
    views = graph_views(site["manifest"])
    _click(chromium, ".launcher-btn a")
    graph = _graph_view(chromium, views["views"][f"{views['isos'][0]['key']}/{views['stages'][0]['key']}"]["include"])
    assert graph and len(graph["ids"]) <= READABLE_NODES, \
        f"static_index.html: no graph view (screenshot {chromium.screenshot(tmp_path / 'static_graph.png')})"


def test_served_site_reaches_the_reports_of_the_build(site, served, built):
    """The overview's `reports/index.html` link works on the served site: each listed report is the build's file."""
    import urllib.request

    from ingest.config import IsoPaths

    with urllib.request.urlopen(served + "reports/index.html", timeout=30) as response:
        index = response.read().decode()
    hrefs = re.findall(r'href="([A-Z]+/[^"]+)"', index)
    assert "ERCOT/quality_report.html" in hrefs, index
    for href in hrefs:
        with urllib.request.urlopen(served + "reports/" + href, timeout=30) as response:
            served_bytes = response.read()
        iso, name = href.split("/")
        assert served_bytes == (IsoPaths.of(iso, built).rollup_files / name).read_bytes(), href
