"""Render benchmarks/results/*.json into BENCHMARKS.md, between the generated-section markers (text outside them,
the reading of the numbers, is kept as written).

    .venv/bin/python -m benchmarks.report          # re-render from the stored results
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
BEGIN, END = "<!-- bench:generated:begin -->", "<!-- bench:generated:end -->"
MB = 1024 * 1024
GB = 1024 * MB

TARGET_S2_LIMIT = 1.3
TARGET_PANDAS = 3.0
TARGET_MEM_BYTES = 2 * GB
TARGET_INCREMENTAL = 0.10
TARGET_INCREMENTAL_YEAR = 0.05  # issue 24: one new day at a year of history
TARGET_PARQUET = 0.10
TARGET_QUALITY_HTML = 0.10


def _f(x: float | None, nd: int = 2) -> str:
    return "n/a" if x is None else f"{x:,.{nd}f}"


def _rate(n: float, s: float | None) -> str:
    if not s:
        return "n/a"
    r = n / s
    return f"{r / 1e6:,.2f} M" if r >= 1e6 else f"{r / 1e3:,.1f} k" if r >= 1e4 else f"{r:,.0f}"


def _mb(b: float | None) -> str:
    return "n/a" if b is None else f"{b / MB:,.0f}"


def _ok(step: dict | None) -> str:
    return "" if step is None or step.get("ok") else " **(failed)**"


def _sum_steps(*steps: dict | None) -> dict | None:
    if any(s is None for s in steps):
        return None
    return {"wall": sum(s["wall"] for s in steps), "peak_rss": max(s["peak_rss"] for s in steps),
            "cpu": sum(s.get("cpu", 0.0) for s in steps), "ok": all(s["ok"] for s in steps)}


def _s23(st: dict) -> dict | None:
    """Stages 2 + 3 as a user runs them: one `dbt build` (older results: the sum of the two separate builds)."""
    return st.get("stage23") or _sum_steps(st.get("stage2"), st.get("stage3"))


def _node_seconds(step: dict | None) -> float | None:
    """Σ execution time of the dbt nodes of a step: the work, without process start, parse and scheduling."""
    nodes = (step or {}).get("result", {}).get("nodes", [])
    return sum(n["seconds"] for n in nodes) if nodes else None


def _ratio(a: dict | None, b: dict | None, key: str = "wall") -> float | None:
    if not a or not b or not b.get(key):
        return None
    return a[key] / b[key]


def _dbt_split(step: dict) -> str:
    nodes = step.get("result", {}).get("nodes", [])
    if not nodes:
        return ""
    models = sum(n["seconds"] for n in nodes if n["kind"] in ("model", "seed"))
    tests = sum(n["seconds"] for n in nodes if n["kind"] == "test")
    n_tests = sum(1 for n in nodes if n["kind"] == "test")
    return f"models Σ {models:.1f} s, {n_tests} tests Σ {tests:.1f} s"


def size_table(r: dict) -> list[str]:
    out = ["| size | contender | what | wall s | CPU s | rows/s | files/s | peak RSS MB | notes |",
           "|---|---|---|---:|---:|---:|---:|---:|---|"]
    for sz in r["sizes"]:
        st = sz["steps"]
        rows, files = sz["rows"], sz["files"]
        label = f"{sz['days']} d"
        s23 = _sum_steps(st.get("stage2"), st.get("stage3"))

        def line(who: str, what: str, step: dict | None, note: str = "") -> None:
            if step is None:
                return
            if len(step.get("repeats") or []) > 1:
                note = "; ".join(x for x in (note, "fastest of " + " / ".join(_f(w, 1) for w in step["repeats"]) + " s")
                                 if x)
            out.append(f"| {label} | {who} | {what}{_ok(step)} | {_f(step['wall'])} | {_f(step.get('cpu'), 1)} | "
                       f"{_rate(rows, step['wall'])} | "
                       f"{_rate(files, step['wall'])} | {_mb(step['peak_rss'])} | {note} |")

        zip_mb = sz["zip_bytes"] / MB
        line("ours", "Stage 1 land (zips → CSV)", st.get("land"), f"{zip_mb:,.0f} MB of zips")
        line("ours", "Stage 2 `dbt build`", st.get("stage2"), _dbt_split(st["stage2"]))
        line("ours", "Stage 3 `dbt build`", st.get("stage3"), _dbt_split(st["stage3"]))
        line("ours", "Stage 4 `dbt build`", st.get("stage4"), _dbt_split(st["stage4"]))
        line("ours", "Stage 2 + 3 (sum of the two builds above)", s23)
        line("**ours**", "**Stage 2 + 3, one `dbt build --full-refresh`**", st.get("stage23"),
             _dbt_split(st["stage23"]) if "stage23" in st else "")
        if "limit" in st:
            line("limit", "bare DuckDB COPY (Stage 2 typing only)", st["limit"])
        for who in ("pandas", "polars"):
            if who in st:
                ph = st[who].get("result", {}).get("phases", {})
                note = f"inside: S2 {_f(ph.get('stage2'), 1)} s, S3 {_f(ph.get('stage3'), 1)} s" if ph else ""
                line(who, "Stage 2 + 3", st[who], note)
    return out


def ratio_table(r: dict) -> list[str]:
    out = ["Wall-time ratios first, CPU-time (user + system) ratios in brackets: CPU time is the steadier figure "
           "when other work shares the machine.", "",
           "| size | rows | ours S2 / limit (target ≤ 1.3) | pandas / ours S2+3 (target ≥ 3) | "
           "polars / ours S2+3 (target > 1) | Stage 2 parquet / CSV bytes (target ≤ 10%) |",
           "|---|---:|---:|---:|---:|---:|"]
    for sz in r["sizes"]:
        st = sz["steps"]
        s23 = _s23(st)
        csv = sum(sz["csv_bytes"].values())
        pq = sz["out_bytes"]["stage2"]
        def both(a: dict | None, b: dict | None) -> str:
            return f"{_f(_ratio(a, b))}x ({_f(_ratio(a, b, 'cpu'))}x)"

        out.append(f"| {sz['days']} d | {sz['rows']:,} | {both(st.get('stage2'), st.get('limit'))} | "
                   f"{both(st.get('pandas'), s23)} | {both(st.get('polars'), s23)} | "
                   f"{100 * pq / csv:.1f}% ({_mb(pq)} / {_mb(csv)} MB) |")
    return out


def bytes_table(r: dict) -> list[str]:
    out = ["| size | raw zips MB | landed CSV MB | Stage 2 MB | Stage 3 MB | Stage 4 MB | limit S2 MB | pandas S2 MB | polars S2 MB |",
           "|---|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for sz in r["sizes"]:
        cb = sz.get("contender_bytes", {})
        ob = sz["out_bytes"]
        out.append(f"| {sz['days']} d | {_mb(sz['zip_bytes'])} | {_mb(sum(sz['csv_bytes'].values()))} | "
                   f"{_mb(ob['stage2'])} | {_mb(ob['stage3'])} | {_mb(ob['stage4'])} | "
                   f"{_mb(cb.get('limit', {}).get('stage2'))} | {_mb(cb.get('pandas', {}).get('stage2'))} | "
                   f"{_mb(cb.get('polars', {}).get('stage2'))} |")
    return out


def incremental_lines(r: dict) -> tuple[list[str], float | None]:
    inc = r.get("incremental")
    if not inc:
        return [], None
    st = inc["steps"]
    add = _sum_steps(st.get("land_one_day"), st.get("build_incremental"))
    full = st.get("build_full_refresh")
    noop = st.get("build_noop")
    ratio = _ratio(add, full)
    cpu_ratio = _ratio(add, full, "cpu")
    same = "same year" if inc["base_days"] >= 360 else "same month"
    out = [f"Adding day {inc['base_days'] + 1} ({same}) to {inc['base_days']} landed and built days:", "",
           "| step | wall s | CPU s | peak RSS MB | notes |", "|---|---:|---:|---:|---|",
           f"| land one more day{_ok(st.get('land_one_day'))} | {_f(st['land_one_day']['wall'])} | "
           f"{_f(st['land_one_day'].get('cpu'), 1)} | {_mb(st['land_one_day']['peak_rss'])} | |",
           f"| `dbt build` Stages 2-4 (incremental){_ok(st.get('build_incremental'))} | "
           f"{_f(st['build_incremental']['wall'])} | {_f(st['build_incremental'].get('cpu'), 1)} | "
           f"{_mb(st['build_incremental']['peak_rss'])} | {_dbt_split(st['build_incremental'])} |",
           f"| **one day added, total** | **{_f(add['wall'])}** | {_f(add.get('cpu'), 1)} | {_mb(add['peak_rss'])} | |",
           *([f"| `dbt build` Stages 2-4 again, nothing new (the floor){_ok(noop)} | {_f(noop['wall'])} | "
              f"{_f(noop.get('cpu'), 1)} | {_mb(noop['peak_rss'])} | {_dbt_split(noop)} |"] if noop else []),
           f"| `dbt build --full-refresh` Stages 2-4 (full rebuild){_ok(full)} | {_f(full['wall'])} | "
           f"{_f(full.get('cpu'), 1)} | {_mb(full['peak_rss'])} | {_dbt_split(full)} |",
           "", (f"One day added costs **{100 * ratio:.0f}%** of the full rebuild in wall time "
                f"({_f(100 * cpu_ratio if cpu_ratio else None, 0)}% in CPU time; target < "
                f"{100 * (TARGET_INCREMENTAL_YEAR if inc['base_days'] >= 360 else TARGET_INCREMENTAL):.0f}%).")
               if ratio else ""]
    work_inc, work_full = _node_seconds(st.get("build_incremental")), _node_seconds(full)
    if work_inc and work_full:
        out += ["", f"In dbt node time (Σ of every model's, test's and hook's execution time: the work, without the "
                    f"process start, project parse and scheduling that every invocation pays): {_f(work_inc, 1)} s "
                    f"incremental vs {_f(work_full, 1)} s full, **{100 * work_inc / work_full:.0f}%**."]
    if noop and ratio:
        floor = _ratio(noop, full)
        out += ["", f"A `dbt build` of the same selection with nothing new to do takes {_f(noop['wall'])} s, "
                    f"**{100 * floor:.0f}%** of the full rebuild: the floor under any incremental run of these "
                    f"nodes. The day's own cost above that floor is {_f(add['wall'] - noop['wall'])} s "
                    f"({100 * (add['wall'] - noop['wall']) / full['wall']:.0f}% of the full rebuild)."]
    return out, ratio


def incremental_scaling_lines(r: dict) -> list[str]:
    incs = r.get("incrementals") or []
    if len(incs) < 2:
        return []
    out = ["One day added at each size (the history grows, the day does not):", "",
           "| history | one day added: wall s | Σ dbt node s | nothing new: wall s | full rebuild: wall s "
           "| Σ dbt node s | wall ratio | node ratio |",
           "|---|---:|---:|---:|---:|---:|---:|---:|"]
    for inc in incs:
        st = inc["steps"]
        add = _sum_steps(st.get("land_one_day"), st.get("build_incremental"))
        full = st.get("build_full_refresh")
        wi, wf = _node_seconds(st.get("build_incremental")), _node_seconds(full)
        noop = st.get("build_noop")
        out.append(f"| {inc['base_days']} d | {_f(add['wall'] if add else None)} | {_f(wi, 1)} | "
                   f"{_f(noop['wall'] if noop else None)} | {_f(full['wall'] if full else None)} | "
                   f"{_f(wf, 1)} | {_f(100 * _ratio(add, full) if _ratio(add, full) else None, 0)}% | "
                   f"{_f(100 * wi / wf if wi and wf else None, 0)}% |")
    return out


def profile_lines(r: dict, top: int = 8) -> list[str]:
    sz = r["sizes"][-1]
    out = [f"Slowest dbt nodes at {sz['days']} d (execution time from run_results.json; 2 dbt threads, so "
           "nodes overlap):", "",
           "| step | node | status | seconds | share of step wall |", "|---|---|---|---:|---:|"]
    steps = [("stage2", sz["steps"].get("stage2")), ("stage3", sz["steps"].get("stage3")),
             ("stage4", sz["steps"].get("stage4"))]
    inc = r.get("incremental", {}).get("steps", {})
    steps += [("incremental", inc.get("build_incremental")), ("full refresh", inc.get("build_full_refresh"))]
    for name, step in steps:
        if not step:
            continue
        nodes = sorted(step.get("result", {}).get("nodes", []), key=lambda n: -n["seconds"])[:top]
        for n in nodes:
            out.append(f"| {name} | `{n['id'].split('.', 2)[-1][:90]}` | {n['status']} | {n['seconds']:.2f} | "
                       f"{100 * n['seconds'] / step['wall']:.0f}% |")
    return out


def targets_lines(r: dict, inc_ratio: float | None) -> list[str]:
    big, small = r["sizes"][-1], r["sizes"][0]
    st = big["steps"]
    s23 = _s23(st)
    lim = _ratio(st.get("stage2"), st.get("limit"))
    pan = _ratio(st.get("pandas"), s23)
    pol = _ratio(st.get("polars"), s23)
    lim_c = _ratio(st.get("stage2"), st.get("limit"), "cpu")
    pan_c = _ratio(st.get("pandas"), s23, "cpu")
    pol_c = _ratio(st.get("polars"), s23, "cpu")
    ours_steps = [k for k in ("stage2", "stage3", "stage4", "stage23") if k in st]
    peak_big = max(st[k]["peak_rss"] for k in ours_steps)
    peak_small = max(small["steps"][k]["peak_rss"] for k in ours_steps)
    growth = peak_big / peak_small if peak_small else None
    pq = big["out_bytes"]["stage2"] / sum(big["csv_bytes"].values())
    month = big["days"] >= 28
    year = big["days"] >= 360
    inc_target = TARGET_INCREMENTAL_YEAR if year else TARGET_INCREMENTAL
    capped = r.get("capped")
    capped_txt = ""
    if capped:
        cs = capped["step"]
        capped_txt = (f"; {_mb(cs['peak_rss'])} MB with DUCKDB_MEMORY_LIMIT={capped['memory_limit']} "
                      f"(Stage 2 rebuild of {capped['days'] + 1} d: {_f(cs['wall'], 1)} s wall vs "
                      f"{_f(st['stage2']['wall'], 1)} s uncapped for {capped['days']} d{_ok(cs)})")

    def v(ok: bool | None) -> str:
        return "n/a" if ok is None else ("**met**" if ok else "**missed**")

    def ran(ratio: float | None, ok: bool) -> str:  # a contender this mode skips is "not run", never "missed"
        return "n/a (not run in this mode)" if ratio is None else v(ok)

    days = f"{big['days']} d"
    return [
        "Verdicts on wall time at the largest size.", "",
        "| target | measured (largest size) | verdict |", "|---|---|---|",
        f"| Stage 2 within 1.3x of the bare DuckDB limit | {_f(lim)}x at {days} (CPU time: {_f(lim_c)}x) "
        f"| {ran(lim, lim is not None and lim <= TARGET_S2_LIMIT)} |",
        f"| ≥ 3x faster than pandas (Stage 2 + 3) | pandas takes {_f(pan)}x ours at {days} (CPU time: {_f(pan_c)}x) "
        f"| {ran(pan, pan is not None and pan >= TARGET_PANDAS)} |",
        f"| faster than Polars (Stage 2 + 3) | Polars takes {_f(pol)}x ours at {days} (CPU time: {_f(pol_c)}x) "
        f"| {ran(pol, pol is not None and pol > 1)} |",
        f"| peak memory flat as input grows | {_mb(peak_small)} MB at {small['days']} d → {_mb(peak_big)} MB at {days} "
        f"({_f(growth)}x for {big['days'] / small['days']:.1f}x the input) | {v(growth is not None and growth <= 1.5)} |",
        f"| peak memory < 2 GB for a month of SCED | {_mb(peak_big)} MB at {days} (project default: DuckDB memory_limit "
        f"{r.get('default_memory_limit', '2GB')} unless DUCKDB_MEMORY_LIMIT is set; RSS includes the dbt process)"
        f"{capped_txt} | {v(peak_big < TARGET_MEM_BYTES) if month else 'n/a (no month in this mode)'} |",
        f"| one day added < {100 * inc_target:.0f}% of the full rebuild{' (at a year: issue 24)' if year else ''} | "
        f"{_f(100 * inc_ratio if inc_ratio else None, 0)}% | {v(inc_ratio is not None and inc_ratio < inc_target)} |",
        f"| Stage 2 parquet ≤ 10% of CSV bytes | {100 * pq:.1f}% | {v(pq <= TARGET_PARQUET)} |",
    ]


def small_lines(r: dict) -> list[str]:
    sl = r.get("small_landing")
    if not sl:
        return []
    m = sl["step"]
    inner = m.get("result", {}).get("seconds_in_land")
    return [f"Landing {sl['zips']:,} small ERCOT zips (24 points each, {_mb(sl['zip_bytes'])} MB zipped, "
            f"{_mb(sl['csv_bytes'])} MB of CSV) in one `land()` call, fresh data dir:{_ok(m)}", "",
            f"- **{sl['zips'] / m['wall']:,.0f} files/s** over the whole process ({_f(m['wall'])} s wall, "
            f"interpreter start and imports included); {sl['zips'] / inner:,.0f} files/s inside `land()` "
            f"({_f(inner)} s); peak RSS {_mb(m['peak_rss'])} MB."
            if inner else f"- {sl['zips'] / m['wall']:,.0f} files/s ({_f(m['wall'])} s wall)."]


def machine_lines(r: dict) -> list[str]:
    m = r["machine"]
    v = m["versions"]
    settings = ", ".join(f"{k}={val}" for k, val in r.get("settings", {}).items() if val) or "defaults"
    loads = [st.get("load_after") for sz in r["sizes"] for st in sz["steps"].values() if st.get("load_after")]
    load_txt = (f"- Machine load (1-min load average at the end of each step): {min(loads):.1f} to {max(loads):.1f} "
                f"on {m['logical_cpus']} CPUs" + (" - **other work was running: wall times are inflated, CPU times "
                "are the steadier comparison**." if max(loads) > 1.5 * (m['logical_cpus'] or 1) else ".")) if loads else ""
    changed = r.get("pipeline_hash_at_end") and r["pipeline_hash_at_end"] != m.get("pipeline_hash")
    if (r.get("repeat") or 1) > 1:
        load_txt += ("\n- Repeats: Stage 2, Stages 2 + 3, the limit, pandas, Polars and the incremental steps ran "
                     f"{r['repeat']} times each, "
                     "ours and theirs in turn; the fastest run counts (all wall times in the notes).")
    return [f"- Date: {m['date']}; commit `{m['commit']}`{' (working tree with uncommitted changes)' if m['dirty'] else ''}; "
            f"dbt code hash `{m.get('pipeline_hash', '?')}`"
            + (f" → `{r['pipeline_hash_at_end']}` (**the dbt code changed during the run**)" if changed else "") + ".",
            load_txt,
            f"- Machine: {m['logical_cpus']} logical CPUs ({m['physical_cores']} physical cores), "
            f"{m['memory_bytes'] / GB:.1f} GiB RAM, {m['cpu_model'] or 'unknown CPU'}; {m['os']}; Python {m['python']}.",
            f"- Versions: duckdb {v.get('duckdb')}, dbt-core {v.get('dbt-core')}, dbt-duckdb {v.get('dbt-duckdb')}, "
            f"pandas {v.get('pandas')}, polars {v.get('polars')}, pyarrow {v.get('pyarrow')}.",
            f"- Settings: {settings}; corpus from {r['start']}, {r['points']:,} settlement points per DA/SCED file; "
            f"whole run {r['total_seconds'] / 60:.1f} min (corpus generation {r['corpus_seconds']:.0f} s)."]


def equality_lines(r: dict) -> list[str]:
    sz = r["sizes"][0]
    out = []
    for who in ("pandas", "polars"):
        step = sz["steps"].get(f"{who}_equal")
        res = (step or {}).get("result", {})
        if not res:
            continue
        per = [f"{ds} {v['stage2_rows']:,} rows / {v['stage3_cells']:,} cells"
               + ("" if v["stage2_only_ours"] == v["stage2_only_theirs"] == v["stage3_only_ours"] == v["stage3_only_theirs"] == 0
                  else f" (**differ**: Stage 2 {v['stage2_only_ours']} / {v['stage2_only_theirs']}, Stage 3 "
                       f"{v['stage3_only_ours']} / {v['stage3_only_theirs']} only ours / only theirs)")
               for ds, v in res.items() if isinstance(v, dict)]
        out.append(f"- {who} at {sz['days']} d: {'**identical**' if res.get('identical') else '**not identical**'} to ours "
                   f"(EXCEPT ALL both ways): " + "; ".join(per) + ".")
    return out


def render_mode(r: dict) -> list[str]:
    inc, inc_ratio = incremental_lines(r)
    sizes = ", ".join(f"{s['days']} d ({s['files']:,} files, {s['rows']:,} rows)" for s in r["sizes"])
    out = [f"### {r['mode']} mode: {sizes}", ""]
    out += machine_lines(r) + [""]
    out += ["#### Targets", ""] + targets_lines(r, inc_ratio) + [""]
    out += ["#### Wall time, throughput, memory", "",
            "rows/s and files/s are input CSV data rows / files (all four datasets) per second of the step's wall time "
            "(process start to exit). Peak RSS is the step's whole process tree.", ""]
    out += size_table(r) + [""]
    out += ["#### Ratios", ""] + ratio_table(r) + [""]
    out += ["#### Bytes", ""] + bytes_table(r) + [""]
    eq = equality_lines(r)
    if eq:
        out += ["#### Same results", "", "Stage 2 rows and Stage 3 cells of each contender against the pipeline's, "
                "on the smallest size:", ""] + eq + [""]
    if inc:
        history = "a year" if r["sizes"][-1]["days"] >= 360 else "a month"
        out += [f"#### Incremental: one day added to {history}", ""] + inc + [""]
        scaling = incremental_scaling_lines(r)
        if scaling:
            out += scaling + [""]
    sl = small_lines(r)
    if sl:
        out += ["#### Landing rate (issue 3)", ""] + sl + [""]
    out += ["#### Where the pipeline's time goes", ""] + profile_lines(r) + [""]
    return out


def quality_report_lines(r: dict) -> list[str]:
    """What quality_report.html adds to the demo's `dbt build` (benchmarks/quality_report.py)."""
    with_, without = r["steps"]["with_report"], r["steps"]["without_report"]
    m = r["machine"]
    hooks = r.get("hook_seconds", [])
    # per build with the report: the report's own seconds against the rest of that same build (same machine load)
    shares = [h / (w - h) for h, w in zip(hooks, with_.get("repeats", [])) if w > h]
    ab = (with_["wall"] - without["wall"]) / without["wall"] if without["wall"] else None
    kb = ", ".join(f"{iso} {v:,} KB" for iso, v in r.get("report_kb", {}).items())
    verdict = "n/a" if not shares else ("**met**" if max(shares) < TARGET_QUALITY_HTML else "**missed**")
    return [
        "### quality_report.html on the demo (issue 20)", "",
        f"- Date: {r['date']}; commit `{m['commit']}`{' (working tree with uncommitted changes)' if m['dirty'] else ''}; "
        f"{m['logical_cpus']} logical CPUs, {m['memory_bytes'] / GB:.1f} GiB RAM, {m['cpu_model'] or 'unknown CPU'}; "
        f"1-min load average {r['load_at_start'][0]:.1f} at the start.",
        f"- The demo's first `dbt build` ({', '.join(r.get('report_kb', {})) or 'every ISO'}, three weeks, "
        f"{r['rows']:,} landed rows, a fresh target: full parse), {r['repeat']} rounds with and without the report, "
        "alternating; fastest of each.", "",
        "| build | wall s (fastest) | all runs | CPU s | peak RSS MB |", "|---|---:|---|---:|---:|",
        *[f"| {name}{_ok(st)} | {_f(st['wall'])} | {', '.join(_f(w, 1) for w in st.get('repeats', []))} "
          f"| {_f(st['cpu'])} | {_mb(st['peak_rss'])} |"
          for name, st in (("with the report", with_), ("without (ISO_QUALITY_HTML=0)", without))],
        "",
        "| target | measured | verdict |", "|---|---|---|",
        f"| the report adds < 10% to the demo's `dbt build` | the report's function: {', '.join(_f(h) for h in hooks)} s "
        f"for all pages (imports included) = {', '.join(_f(100 * x, 1) for x in shares)}% of the rest of the same "
        f"build (max {_f(100 * max(shares) if shares else None, 1)}%); A/B of the fastest builds: "
        f"{_f(100 * ab if ab is not None else None, 1)}% (machine drift larger than the effect) | {verdict} |",
        "", f"Page sizes: {kb}.", "",
    ]


def render_report(md: Path, results_dir: Path) -> None:
    parts: list[str] = []
    for mode in ("year", "full", "quick"):
        f = results_dir / f"{mode}.json"
        if f.exists():
            parts += render_mode(json.loads(f.read_text()))
    quality = results_dir / "quality_report.json"
    if quality.exists():
        parts += quality_report_lines(json.loads(quality.read_text()))
    generated = "\n".join([BEGIN, "", *parts, END])
    if md.exists() and BEGIN in md.read_text():
        text = md.read_text()
        head, rest = text.split(BEGIN, 1)
        tail = rest.split(END, 1)[1] if END in rest else ""
        md.write_text(head + generated + tail)
    else:
        md.write_text("# Benchmarks\n\n" + generated + "\n")


if __name__ == "__main__":
    render_report(PROJECT_ROOT / "BENCHMARKS.md", PROJECT_ROOT / "benchmarks" / "results")
    sys.exit(0)
