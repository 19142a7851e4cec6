"""The reconcile report: one list of sections, written as Markdown and as a self-contained HTML page, and the
summary as JSON."""

from __future__ import annotations

import html
import json
from dataclasses import dataclass, field
from pathlib import Path

ISSUES = {"only_ours": "only in ours", "only_theirs": "only in theirs", "differ": "values differ",
          "duplicates_ours": "duplicate keys in ours", "duplicates_theirs": "duplicate keys in theirs",
          "unresolved": "ambiguous or nonexistent local times"}


HOW = {"instant": "with the instant given (a UTC column or an offset)", "local": "in local time",
       "flag": "in local time in a repeated hour, placed by the file's repeated-hour flag",
       "order": "in local time in a repeated hour, placed by their order in the file (first: daylight time)",
       "ambiguous": "in local time in a repeated hour that nothing places (not compared)",
       "nonexistent": "in a local hour that does not exist (spring forward; not compared)"}


@dataclass
class Section:
    title: str
    text: list[str] = field(default_factory=list)
    columns: list[str] = field(default_factory=list)
    rows: list[list] = field(default_factory=list)


def verdict(s: dict) -> str:
    r = s["rows"]
    if s["match"]:
        return f"MATCH: {r['matched']:,} rows on both sides, every value within {s['tolerance']:g}"
    parts = [f"{r[k]:,} {label}" for k, label in (
        ("only_ours", "only in ours"), ("only_theirs", "only in theirs"), ("differ", "with values that differ"),
        ("duplicate_keys_ours", "duplicate keys in ours"), ("duplicate_keys_theirs", "duplicate keys in theirs"),
        ("unresolved_theirs", "of theirs with an ambiguous or nonexistent local time")) if r[k]]
    if not r["matched"] and not parts:
        parts = ["no rows to compare"]
    return f"DIFFER: {', '.join(parts)} ({r['matched']:,} rows match)"


def dst_line(d: dict) -> str:
    problems = ", ".join(f"{d[k]:,} {label}" for k, label in ISSUES.items() if d.get(k))
    return f"{d['day']} {d['kind']}: {problems or 'clean'} (ours {d['ours']:,} rows, theirs {d['theirs']:,})"


def _limited(rows: list, total: int) -> list[str]:
    return [f"First {len(rows):,} of {total:,}."] if total > len(rows) else []


def sections(s: dict) -> list[Section]:
    r = s["rows"]
    out = [Section("Result", [verdict(s)], ["", "ours", "theirs"], [
        ["rows compared (in range)", r["ours"], r["theirs"]],
        ["only on this side", r["only_ours"], r["only_theirs"]],
        ["duplicate keys", r["duplicate_keys_ours"], r["duplicate_keys_theirs"]],
        ["rows with values that differ", r["differ"], r["differ"]],
        ["rows that match", r["matched"], r["matched"]],
    ])]
    out.append(Section("What was compared", [
        f"Ours: {s['iso']} {s['dataset']} Stage 2, `{s['ours_path']}`.",
        f"Theirs: `{s['theirs_path']}` ({s['files']} file{'s' if s['files'] != 1 else ''}"
        + (f"; {s['ignored_files']} other files ignored" if s["ignored_files"] else "")
        + "".join(f"; skipped {len(k['files'])}: {k['reason']}" for k in s["skipped"])
        + (f"; {s['empty_files']} empty files skipped" if s["empty_files"] else "") + ").",
        f"Key: UTC interval start and {s['key']}. Columns: {', '.join(s['compared_columns'])}; tolerance "
        f"{s['tolerance']:g} (absolute).",
        f"Range: local operating days {s['range']['first_day']} to {s['range']['last_day']}"
        + (" (every day of both sides)" if s["range"]["all_days"] else " (the days their data spans)")
        + ("; only their points" if s["range"]["only_their_points"] else "") + ".",
        "Their rows: " + ", ".join(f"{n:,} {HOW.get(how, how)}" for how, n in
                                   sorted(s["time_resolution"]["resolved_by"].items()))
        + (f"; {s['time_resolution']['superseded']:,} rows superseded by the source's own rule"
           if s["time_resolution"]["superseded"] else "") + ".",
    ], ["layout", "files", "time", "notes"],
        [[d["layout"], d["files"], d["time"], "; ".join(d["notes"])] for d in s["layouts"]]))
    out.append(Section("DST days", [] if s["dst_days"] else ["No DST change on a day either side has data for."],
                       ["day", "kind", "ours", "theirs", *ISSUES.values()],
                       [[d["day"], d["kind"], d["ours"], d["theirs"], *(d.get(k, 0) for k in ISSUES)]
                        for d in s["dst_days"]]))
    if s["largest_differences"]:
        out.append(Section("Largest differences", [
            "Rows per column: " + ", ".join(f"{c} {n:,}" for c, n in s["differences_by_column"].items()) + "."],
            ["UTC", "local", "point", "column", "ours", "theirs", "difference"],
            [[d["utc"], d["local_time"], d["point"], d["column"], d["ours"], d["theirs"], d["difference"]]
             for d in s["largest_differences"]]))
    if s["only"]:
        out.append(Section("Rows only on one side, by day and point", _limited(s["only"], r["only_ours"] + r["only_theirs"]),
                           ["side", "day", "point", "rows", "first (UTC)", "last (UTC)"],
                           [[d["side"], d["day"], d["point"], d["rows"], d["first_utc"], d["last_utc"]]
                            for d in s["only"]]))
    if s["points_on_one_side"]:
        out.append(Section("Points on one side only", [], ["point", "side"],
                           [[d["point"], d["side"]] for d in s["points_on_one_side"]]))
    if s["duplicates"]:
        out.append(Section("Duplicate keys (errors: neither row is compared)", [],
                           ["side", "UTC", "local", "point", "rows", "files"],
                           [[d["side"], d["utc"], d["local_time"], d["point"], d["rows"], d["files"]]
                            for d in s["duplicates"]]))
    if s["unresolved"]:
        out.append(Section("Local times that name no single instant (not compared)", [
            "ambiguous: the repeated hour of a fall-back day, written without a flag, and not twice in one file in "
            "order; nonexistent: the skipped hour of a spring-forward day. Write the times with a UTC offset, or "
            "keep both occurrences in time order."],
            ["problem", "file", "local", "point", "rows", s["compared_columns"][0]],
            [[d["problem"], d["file"], d["local_time"], d["point"], d["rows"], d["value"]] for d in s["unresolved"]]))
    if s["days_with_issues"]:
        out.append(Section("Days with differences", [], ["day", *ISSUES.values()],
                           [[d["day"], *(d.get(k, 0) or 0 for k in ISSUES)] for d in s["days_with_issues"]]))
    out.append(Section("Exit code", [f"{s['exit_code']} (0: they match, 1: they differ, 2: bad input)."]))
    return out


def _cell(v) -> str:
    if v is None:
        return ""
    if isinstance(v, bool):
        return str(v)
    if isinstance(v, int):
        return f"{v:,}"
    if isinstance(v, float):
        return f"{v:.6g}"
    return str(v)


def markdown(s: dict) -> str:
    lines = [f"# Reconcile {s['iso']} {s['dataset']}", "", f"Generated {s['generated_at']}.", ""]
    for sec in sections(s):
        lines += [f"## {sec.title}", ""]
        for t in sec.text:
            lines += [t, ""]
        if sec.rows:
            lines.append("| " + " | ".join(sec.columns) + " |")
            lines.append("|" + "---|" * len(sec.columns))
            lines += ["| " + " | ".join(_cell(c).replace("|", "\\|") for c in row) + " |" for row in sec.rows]
            lines.append("")
    return "\n".join(lines)


STYLE = """body{font-family:system-ui,sans-serif;margin:2em;max-width:72em;color:#222}
table{border-collapse:collapse;margin:.5em 0 1.5em}td,th{border:1px solid #ccc;padding:.25em .6em;text-align:left}
th{background:#f3f3f3}td.n{text-align:right;font-variant-numeric:tabular-nums}
.match{color:#0a6b1f;font-weight:bold}.differ{color:#a31515;font-weight:bold}code{background:#f3f3f3}"""


def html_page(s: dict) -> str:
    title = f"Reconcile {s['iso']} {s['dataset']}"
    body = [f"<h1>{html.escape(title)}</h1>", f"<p>Generated {html.escape(s['generated_at'])}.</p>"]
    for sec in sections(s):
        body.append(f"<h2>{html.escape(sec.title)}</h2>")
        for t in sec.text:
            cls = (' class="match"' if t.startswith("MATCH") else ' class="differ"' if t.startswith("DIFFER") else "")
            body.append(f"<p{cls}>{html.escape(t)}</p>")
        if sec.rows:
            head = "".join(f"<th>{html.escape(c)}</th>" for c in sec.columns)
            rows = "".join("<tr>" + "".join(
                f"<td{' class=n' if isinstance(c, int | float) else ''}>{html.escape(_cell(c))}</td>" for c in row)
                + "</tr>" for row in sec.rows)
            body.append(f"<table><thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table>")
    return (f"<!doctype html><html lang=en><head><meta charset=utf-8><title>{html.escape(title)}</title>"
            f"<style>{STYLE}</style></head><body>\n" + "\n".join(body) + "\n</body></html>\n")


def write(s: dict, out: Path) -> dict[str, Path]:
    out.mkdir(parents=True, exist_ok=True)
    paths = {"markdown": out / "reconcile.md", "html": out / "reconcile.html", "json": out / "summary.json"}
    paths["markdown"].write_text(markdown(s), encoding="utf-8")
    paths["html"].write_text(html_page(s), encoding="utf-8")
    paths["json"].write_text(json.dumps(s, indent=2, default=str) + "\n", encoding="utf-8")
    return paths
