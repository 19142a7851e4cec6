"""The charts of quality_report.html, drawn with matplotlib and returned as inline SVG text (ingest/quality_html.py
says why). Each function takes plain data (ingest/quality_html.py reads it from the warehouse) and returns one
`<svg>` element; every axes carries an SVG id (`gid`) so a test or a reader's browser finds each chart in the DOM.

Cost is kept small on purpose (the report is written by every build): `Figure` objects without pyplot (no global
state, no GUI backend), fixed margins instead of a layout engine, text kept as text (`svg.fonttype: none`), and the
heatmap drawn as one raster image (`imshow`) whatever the number of days.
"""

from __future__ import annotations

import datetime as dt
import io
import math
from collections.abc import Sequence

import matplotlib as mpl
import numpy as np
from matplotlib.colors import BoundaryNorm, ListedColormap
from matplotlib.dates import AutoDateLocator, ConciseDateFormatter
from matplotlib.figure import Figure
from matplotlib.patches import Patch, Rectangle

mpl.rcParams.update({
    "svg.fonttype": "none",  # text stays <text>: smaller, selectable, drawn in the browser's sans-serif
    "font.size": 9,
    "font.family": "sans-serif",
    "axes.titlesize": 10,
    "axes.titleweight": "bold",
    "axes.spines.top": False,
    "axes.spines.right": False,
})

WIDTH = 10.0  # inches; 720 pt of SVG, scaled to the page width by CSS
#: share of expected rows present, in bins so that one missing row in thousands still shows: dark blue only when
#: complete; grey where nothing is expected
COVERAGE_BINS = [0.0, 0.5, 0.9, 0.99, 1.0, 1.01]
COVERAGE_COLOURS = ["#a50026", "#f46d43", "#fee090", "#abd9e9", "#313695"]
NOTHING_EXPECTED = "#d9d9d9"
COVERAGE_LEGEND = [*zip(COVERAGE_COLOURS[::-1], ["100%", "99-100%", "90-99%", "50-90%", "under 50%"]),
                   (NOTHING_EXPECTED, "no row expected")]
COVERAGE_CMAP = ListedColormap(COVERAGE_COLOURS).with_extremes(bad=NOTHING_EXPECTED)
COVERAGE_NORM = BoundaryNorm(COVERAGE_BINS, COVERAGE_CMAP.N)
FILLED, LEFT_NULL, UNUSUAL = "#4c9be8", "#d62728", "#d62728"
STAGE_COLOURS = {"staging": "#bdbdbd", "intermediate": "#9ecae1", "rollup": "#3182bd", "flattened": "#31a354",
                 "combined": "#756bb1", "tests": "#fd8d3c", "seeds": "#969696"}
STAGE_LABELS = {"rollup": "Stage 2", "flattened": "Stage 3", "combined": "Stage 4"}


def to_svg(fig: Figure) -> str:
    """The figure as an `<svg>` element (no XML prologue: it goes inline into the HTML)."""
    buf = io.StringIO()
    fig.savefig(buf, format="svg", metadata={"Date": None, "Creator": None})
    text = buf.getvalue()
    return text[text.index("<svg"):]


def _day_label(day: dt.date, hours: int) -> str:
    return f"{day:%Y-%m-%d %a}" + (f" {hours}h" if hours != 24 else "")


def coverage_svg(key: str, days: Sequence[dt.date], day_hours: Sequence[int], share: np.ndarray,
                 filled_by_day: Sequence[int], null_by_day: Sequence[int], grain: int) -> str:
    """Left: heatmap, a row per local day and a column per local hour, colour = share of the expected rows present
    (grey: none expected, e.g. the hour a spring-forward day skips); DST days labelled in bold with their length
    and outlined (dashed). Right: per day, the missing cells the fill rule forward-filled and those it left NULL."""
    n = len(days)
    height = min(max(1.3 + 0.17 * n, 2.4), 9.5)
    fig = Figure(figsize=(WIDTH, height))
    bottom, top = 0.55 / height, 1 - 0.45 / height
    heat = fig.add_axes((0.17, bottom, 0.58, top - bottom))
    bars = fig.add_axes((0.79, bottom, 0.18, top - bottom))  # not sharey: its own 0 y ticks, not n hidden ones

    # interpolation none: one image pixel per cell, scaled by the browser without smoothing (every day stays
    # visible however many there are); the colours' legend is the page's (COVERAGE_LEGEND), not a colorbar axes
    image = heat.imshow(np.ma.masked_invalid(share), cmap=COVERAGE_CMAP, norm=COVERAGE_NORM, aspect="auto",
                        interpolation="none", extent=(-0.5, 23.5, n - 0.5, -0.5))
    image.set_gid(f"{key}-heatmap-cells")
    heat.set_gid(f"{key}-heatmap")
    heat.set_xticks(range(0, 24, 2), [f"{h:02d}" for h in range(0, 24, 2)])
    heat.set_xlabel("local hour (interval start)")
    step = max(1, math.ceil(n / 28))
    ticks = sorted({i for i in range(0, n, step)} | {i for i, h in enumerate(day_hours) if h != 24})
    heat.set_yticks(ticks, [_day_label(days[i], day_hours[i]) for i in ticks])
    for label, i in zip(heat.get_yticklabels(), ticks, strict=True):
        if day_hours[i] != 24:
            label.set_fontweight("bold")
            heat.add_patch(Rectangle((-0.5, i - 0.5), 24, 1, fill=False, edgecolor="black", linewidth=1.2,
                                     linestyle=(0, (4, 2))))
    heat.set_title(f"coverage: share of expected rows present ({grain}-minute grain)", loc="left")

    # the fill rule's bars: one line collection per kind, not a patch per day (a fraction of the drawing time)
    y, filled, nulls = np.arange(n), np.asarray(filled_by_day), np.asarray(null_by_day)
    thick = 0.8 * (top - bottom) * height * 72 / n  # 80% of a day's row, in points
    for mask, start, end, colour in ((filled > 0, 0, filled, FILLED), (nulls > 0, filled, filled + nulls, LEFT_NULL)):
        if mask.any():
            bars.hlines(y[mask], np.broadcast_to(start, n)[mask], end[mask], colors=colour, linewidth=thick,
                        capstyle="butt")
    bars.set_ylim(n - 0.5, -0.5)
    bars.set_yticks([])
    bars.set_gid(f"{key}-gaps")
    bars.set_xlabel("missing cells")
    bars.set_title("fill rule", loc="left")
    if not (filled.any() or nulls.any()):
        bars.set_xlim(0, 1)
        bars.set_xticks([])
        bars.text(0.5, 0.5, "no missing cells:\nnothing to fill", transform=bars.transAxes, ha="center",
                  va="center", color="#555555")
    else:
        bars.set_xlim(0, (filled + nulls).max() * 1.05)
        bars.legend(handles=[Patch(color=FILLED, label="forward-filled"), Patch(color=LEFT_NULL, label="left NULL")],
                    loc="lower right", fontsize=8, frameon=False)
    return to_svg(fig)


def prices_svg(key: str, panels: Sequence[tuple[str, dict[str, list[tuple[dt.date, float]]]]],
               unusual: Sequence[dict]) -> str:
    """A line per hub of its daily mean price, one panel per dataset (DA above RT); `unusual` (the unusual_price
    alerts: dataset, point, day, mean, z) are ringed in red and labelled with their z."""
    n = max(len(panels), 1)
    height = 0.8 + 2.2 * n
    fig = Figure(figsize=(WIDTH, height))
    axes = fig.subplots(n, 1, sharex=True, squeeze=False)[:, 0]
    fig.subplots_adjust(left=0.07, right=0.82, top=1 - 0.35 / height, bottom=0.45 / height, hspace=0.25)
    colours = {}
    for ax, (dataset, series) in zip(axes, panels, strict=False):
        ax.set_gid(f"{key}-{dataset}")
        for point, values in sorted(series.items()):
            colour = colours.setdefault(point, f"C{len(colours) % 10}")
            ax.plot([d for d, _ in values], [v for _, v in values], color=colour, linewidth=1.3,
                    marker="o" if len(values) < 40 else None, markersize=2.5, label=point)
        marks = [a for a in unusual if a["dataset"] == dataset]
        for a in marks:
            day = dt.date.fromisoformat(a["day"])
            ax.scatter([day], [a["mean"]], s=140, facecolors="none", edgecolors=UNUSUAL, linewidths=2, zorder=5,
                       gid=f"{key}-unusual-{dataset}-{a['point']}")
            ax.annotate(f"{a['point']} z={a['z']:+.1f}", (day, a["mean"]), xytext=(-6, 8),
                        textcoords="offset points", ha="right", color=UNUSUAL, fontsize=8, fontweight="bold")
        ax.set_title(f"{dataset}: daily mean price per hub, $/MWh" + (f" ({len(marks)} unusual on the latest day)"
                                                                       if marks else ""), loc="left")
        ax.grid(axis="y", color="#eeeeee")
        if not series:
            ax.text(0.5, 0.5, "no hub prices built", transform=ax.transAxes, ha="center", va="center")
    if colours:
        axes[0].legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=8, frameon=False)
    locator = AutoDateLocator(maxticks=10)
    axes[-1].xaxis.set_major_locator(locator)
    axes[-1].xaxis.set_major_formatter(ConciseDateFormatter(locator))
    return to_svg(fig)


def history_svg(key: str, runs: Sequence[dict]) -> str:
    """Stacked horizontal bars, one per run (newest on top): seconds of node time per stage (summed over dbt's
    threads, so a bar can be longer than the run's wall time)."""
    n = max(len(runs), 1)
    height = 1.2 + 0.28 * n
    fig = Figure(figsize=(WIDTH, height))
    ax = fig.add_axes((0.26, 0.5 / height, 0.56, 1 - 0.85 / height))
    ax.set_gid(key)
    stages = [s for s in STAGE_COLOURS if any(s in r["stages"] for r in runs)]
    stages += sorted({s for r in runs for s in r["stages"]} - set(stages))
    y = np.arange(len(runs))
    left = np.zeros(len(runs))
    for i, stage in enumerate(stages):
        width = np.array([r["stages"].get(stage, 0.0) for r in runs])
        ax.barh(y, width, left=left, height=0.7, color=STAGE_COLOURS.get(stage, f"C{i}"),
                label=STAGE_LABELS.get(stage, stage))
        left += width
    ax.set_yticks(y, [r["label"] for r in runs])
    ax.invert_yaxis()
    ax.set_xlabel("node seconds per stage")
    ax.set_title("run history: stage timings of the last dbt runs touching this ISO", loc="left")
    if runs:
        ax.legend(handles=[Patch(color=STAGE_COLOURS.get(s, f"C{i}"), label=STAGE_LABELS.get(s, s))
                           for i, s in enumerate(stages)], loc="upper left", bbox_to_anchor=(1.01, 1.0),
                  fontsize=8, frameon=False)
    else:
        ax.text(0.5, 0.5, "no run recorded yet", transform=ax.transAxes, ha="center", va="center")
    return to_svg(fig)
