"""quality_report.html looked at as a person would: a real build with a known gap and a price spike, the page opened
in headless Chromium (tests/python/browser.py), one screenshot of the whole page, and pixels read inside each
chart's box as the DOM places it. Plus the coverage arithmetic on the DST days, and the page's off switch and
no-data form, on a bare DuckDB.

What the build is given (so the expectations do not come from the code under test): ERCOT's sample without the
RT SPP files of 2024-11-05 10:00-12:00 local (8 intervals: a 2-hour hole, left NULL by the fill rule) and of
14:00-14:15 (one interval: forward-filled), and HB_NORTH's day-ahead prices of 2024-11-10 (the last day) x6.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import zipfile
from pathlib import Path

import browser as chromium_fixture
import duckdb
import numpy as np
import pytest
from browser import need
from PIL import Image

from conftest import build, query
from ingest import catalog, quality_html
from ingest.config import PROJECT_ROOT, IsoPaths
from ingest.landing import land
from ingest.monitor.history import ensure_tables
from ingest.registry import ensure_landed_files_table

pytestmark = pytest.mark.e2e
browser = chromium_fixture.browser  # the fixture: a running headless Chromium (or why there is none)

ISO = "ERCOT"
GAP_DAY = dt.date(2024, 11, 5)
HOLE_HOURS = (10, 11)  # every RT_SPP interval missing
FILLED_HOUR = 14  # one of four intervals missing
# SPP files are named by interval end: _1015 is 10:00-10:15
DROPPED = re.compile(r"SPPHLZNP6905_20241105_(1015|1030|1045|1100|1115|1130|1145|1200|1415)_")
SPIKED_DA = "20241109.123005.DAMSPNP4190"  # the day-ahead file of operating day 2024-11-10
SPIKE = 6.0


def _spiked_copy(src: Path, dst: Path) -> None:
    """The DA zip with HB_NORTH's prices multiplied by SPIKE."""
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            lines = zin.read(info).decode().splitlines()
            for i, line in enumerate(lines):
                cells = line.split(",")
                if len(cells) > 3 and cells[2] == "HB_NORTH":
                    cells[3] = f"{float(cells[3]) * SPIKE:.2f}"
                    lines[i] = ",".join(cells)
            zout.writestr(info, "\n".join(lines) + "\n")


@pytest.fixture(scope="module")
def gap_build(ercot_raw, tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("quality_html")
    raw, base = root / "raw", root / "data"
    raw.mkdir()
    base.mkdir()
    dropped = 0
    for f in sorted(ercot_raw.iterdir()):
        if DROPPED.search(f.name):
            dropped += 1
        elif SPIKED_DA in f.name:
            _spiked_copy(f, raw / f.name)
        else:
            os.link(f, raw / f.name)
    assert dropped == 9
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("ISO_PIPELINE_NOW", "2024-11-11T12:00:00+00:00")  # unusual_price judges 2024-11-10
        land(ISO, [raw], base=base)
        statuses = build(base, "--select", "tag:ercot")
    assert statuses["__returncode__"] == 0, statuses["__log__"][-5000:]
    return base


@pytest.fixture(scope="module")
def page(gap_build, browser, tmp_path_factory) -> dict:
    chromium = need(browser)
    report = gap_build / f"{ISO}_data/rollup_files/quality_report.html"
    chromium.goto(report.as_uri())
    assert chromium.wait_for("document.readyState === 'complete' && document.querySelectorAll('figure.chart svg').length")
    shot = chromium.full_page_screenshot(tmp_path_factory.mktemp("quality_shot") / "quality_report.png")
    print(f"quality_report.html screenshot: {shot}")
    return {"chromium": chromium, "path": report, "shot": shot, "image": np.asarray(Image.open(shot).convert("RGB")),
            "text": chromium.evaluate("document.body.innerText")}


def boxes(chromium, ids: list[str]) -> dict[str, tuple[int, int, int, int] | None]:
    """id -> (x, y, width, height) in page pixels (what the full-page screenshot shows), None when absent."""
    found = chromium.evaluate(
        "(ids => ids.map(id => { const e = document.getElementById(id); if (!e) return null;"
        " const r = e.getBoundingClientRect(); return [r.x + scrollX, r.y + scrollY, r.width, r.height]; }))("
        + json.dumps(ids) + ")")
    return {i: (tuple(round(v) for v in b) if b else None) for i, b in zip(ids, found, strict=True)}


def crop(image: np.ndarray, box: tuple[int, int, int, int]) -> np.ndarray:
    x, y, w, h = box
    return image[y:y + h, x:x + w].astype(int)


def inked(pixels: np.ndarray) -> float:
    """Share of pixels that are not (near) white."""
    return float((pixels.min(axis=-1) < 235).mean())


def reds(pixels: np.ndarray) -> int:
    return int(((pixels[..., 0] > 140) & (pixels[..., 0] - pixels[..., 2] > 60)).sum())


def blues(pixels: np.ndarray) -> int:
    return int(((pixels[..., 2] > 100) & (pixels[..., 2] - pixels[..., 0] > 40)).sum())


def coloured(pixels: np.ndarray) -> int:
    return int((pixels.max(axis=-1) - pixels.min(axis=-1) > 60).sum())


# ------------------------------------------------------------------------------------------------------------------


def test_one_self_contained_page_beside_each_markdown_report(gap_build, page):
    text = page["path"].read_text()
    assert not re.search(r"<script|<link|<iframe|\bsrc=\"(?!data:)|href=\"https?:|url\((?!#)", text, re.I)
    assert len(text.encode()) < 1_000_000
    for iso in catalog.isos():  # written for the ISO built, not for every ISO the seeds are tagged with
        rollup = gap_build / f"{iso}_data/rollup_files"
        assert (rollup / "quality_report.html").exists() == (rollup / "quality_report.md").exists() == (iso == ISO), iso
    # an ISO with nothing landed gets a page that says so: tests/python/test_empty_data.py


def test_every_chart_is_drawn(page):
    datasets = [d.dataset for d in catalog.datasets(ISO)]
    priced = [d.dataset for d in catalog.datasets(ISO) if d.combined_role in ("da", "rt") and d.has_points]
    ids = ([f"{ISO}-{d}-heatmap-cells" for d in datasets] + [f"{ISO}-{d}-gaps" for d in datasets]
           + [f"{ISO}-prices-{d}" for d in priced] + [f"{ISO}-history"])
    found = boxes(page["chromium"], ids)
    assert all(found.values()), f"charts missing from the page: {[i for i, b in found.items() if not b]}"
    shot, image = page["shot"], page["image"]
    for chart_id, box in found.items():
        assert box[2] > 100 and box[3] > 40, f"{chart_id} has no room: {box} (screenshot {shot})"
        pixels = crop(image, box)
        if chart_id.endswith("-cells"):
            assert inked(pixels) > 0.97, f"{chart_id}: heatmap cells not painted (screenshot {shot})"
        elif "-prices-" in chart_id:
            assert coloured(pixels) > 0.01 * pixels[..., 0].size, f"{chart_id}: no price lines (screenshot {shot})"
        elif chart_id.endswith("-history"):
            assert coloured(pixels) > 0.05 * pixels[..., 0].size, f"{chart_id}: no stage bars (screenshot {shot})"
        else:  # the fill rule's bars, or its "no missing cells" text
            assert inked(pixels) > 0.005, f"{chart_id}: blank (screenshot {shot})"
    # every figure on the page is one of those: nothing drawn elsewhere went unchecked
    figures = page["chromium"].evaluate("document.querySelectorAll('figure.chart').length")
    assert figures == len(datasets) + 2
    history = page["chromium"].evaluate(f"document.getElementById('{ISO}-history').textContent")
    assert "this run" in history


def _cell_colour(page, dataset: str, day: dt.date, hour: int) -> np.ndarray:
    figure = page["chromium"].evaluate(
        f"(f => [f.dataset.firstDay, +f.dataset.days, +f.dataset.hours])"
        f"(document.getElementById('figure-{ISO}-{dataset}'))")
    first, days, hours = dt.date.fromisoformat(figure[0]), figure[1], figure[2]
    x, y, w, h = boxes(page["chromium"], [f"{ISO}-{dataset}-heatmap-cells"])[f"{ISO}-{dataset}-heatmap-cells"]
    row = (day - first).days
    cx, cy = x + (hour + 0.5) * w / hours, y + (row + 0.5) * h / days
    return page["image"][int(cy) - 1:int(cy) + 2, int(cx) - 1:int(cx) + 2].reshape(-1, 3).mean(axis=0)


def test_the_known_gap_shows_in_the_heatmap(gap_build, page):
    # the premise, from Stage 2 itself: no row in the hole, three of four intervals in the filled hour
    rows = dict(query(gap_build, "select hour(datetime_local), count(*) from ercot.rt_spp "
                                 "where datetime_local::date = ? group by 1", [GAP_DAY]))
    assert all(h not in rows for h in HOLE_HOURS) and rows[FILLED_HOUR] * 4 == rows[FILLED_HOUR - 1] * 3

    full = _cell_colour(page, "RT_SPP", GAP_DAY, 8)
    assert full[2] - full[0] > 40, f"a complete hour is not blue: {full} (screenshot {page['shot']})"
    for hour in HOLE_HOURS:
        hole = _cell_colour(page, "RT_SPP", GAP_DAY, hour)
        assert hole[0] - hole[2] > 60, f"hour {hour} of {GAP_DAY}: {hole}, not red (screenshot {page['shot']})"
        same_hour_day_before = _cell_colour(page, "RT_SPP", GAP_DAY - dt.timedelta(days=1), hour)
        assert np.abs(same_hour_day_before - full).max() < 10
        untouched = _cell_colour(page, "DA_prices", GAP_DAY, hour)  # another dataset: complete
        assert untouched[2] - untouched[0] > 40
    partial = _cell_colour(page, "RT_SPP", GAP_DAY, FILLED_HOUR)
    hole = _cell_colour(page, "RT_SPP", GAP_DAY, HOLE_HOURS[0])
    assert np.abs(partial - full).max() > 40 and np.abs(partial - hole).max() > 40, (partial, full, hole)

    # the fill rule's bars, on the gap day's row: left NULL (red) and forward-filled (blue)
    cells = boxes(page["chromium"], [f"{ISO}-RT_SPP-heatmap-cells"])[f"{ISO}-RT_SPP-heatmap-cells"]
    bars = boxes(page["chromium"], [f"{ISO}-RT_SPP-gaps"])[f"{ISO}-RT_SPP-gaps"]
    days = page["chromium"].evaluate(f"+document.getElementById('figure-{ISO}-RT_SPP').dataset.days")
    row_h = cells[3] / days
    first = dt.date.fromisoformat(page["chromium"].evaluate(
        f"document.getElementById('figure-{ISO}-RT_SPP').dataset.firstDay"))
    top = cells[1] + (GAP_DAY - first).days * row_h
    band = crop(page["image"], (bars[0], int(top + 1), bars[2], max(int(row_h) - 2, 1)))
    assert reds(band) > 0 and blues(band) > 0, f"fill-rule bars of {GAP_DAY} (screenshot {page['shot']})"
    other_day = crop(page["image"], (bars[0], int(top - row_h + 1), bars[2], max(int(row_h) - 2, 1)))
    assert reds(other_day) == 0 and blues(other_day) == 0

    # and in words, for the dataset with the gap only
    section = page["text"].split("RT_SPP\n", 1)[1].split("AS_prices\n", 1)[0]
    assert f"{GAP_DAY}" in section.split("Days below 100%", 1)[1]
    da = page["text"].split("DA_prices\n", 1)[1].split("RT_prices\n", 1)[0]
    assert "Every expected row is present" in da


def test_the_fall_back_day_is_marked(page):
    label = page["chromium"].evaluate(f"document.getElementById('{ISO}-RT_SPP-heatmap').textContent")
    assert "2024-11-03 Sun 25h" in label  # America/Chicago falls back on 2024-11-03
    full = _cell_colour(page, "RT_SPP", GAP_DAY, 8)
    repeated_hour = _cell_colour(page, "RT_SPP", dt.date(2024, 11, 3), 1)  # 01:00 happens twice: 8 of 8 present
    assert np.abs(repeated_hour - full).max() < 10


def test_the_latest_days_unusual_price_is_ringed(page):
    ring = f"{ISO}-prices-unusual-DA_prices-HB_NORTH"
    found = boxes(page["chromium"], [ring])[ring]
    assert found, f"no ring on HB_NORTH's spiked DA price (screenshot {page['shot']})"
    x, y, w, h = found
    assert reds(crop(page["image"], (x - 2, y - 2, w + 4, h + 4))) > 20
    others = page["chromium"].evaluate("[...document.querySelectorAll('[id*=\"-unusual-\"]')].map(e => e.id)")
    assert others == [ring]  # RT and the other hubs were left alone
    listed = page["text"].split("Unusual prices on the latest day", 1)[1]
    assert "DA_prices HB_NORTH" in listed and "2024-11-10" in listed


def test_the_report_judges_unusual_prices_as_check_does(gap_build, monkeypatch):
    """The report judges the unusual prices from the year of daily hub means it draws (not read again): the same
    alerts as `iso-pipeline check` reading the trailing window itself, and the means given are the ones judged."""
    from ingest.monitor import alerts

    monkeypatch.setenv("ISO_PIPELINE_NOW", "2024-11-11T12:00:00+00:00")
    with duckdb.connect(str(gap_build / "warehouse.duckdb"), read_only=True) as con:
        con.execute("set TimeZone = 'UTC'")
        panels = [(ds.dataset, quality_html.hub_prices(con, ISO, ds)) for ds in catalog.datasets(ISO)
                  if ds.combined_role in ("da", "rt") and ds.has_points]
        panels = [(name, series) for name, series in panels if series]
        assert {name for name, _ in panels} >= {"DA_prices", "RT_prices"}
        from_report = quality_html.unusual(con, ISO, panels)
        s = alerts.settings()
        as_of = dt.datetime(2024, 11, 11, 12, tzinfo=dt.UTC)
        from_check = [{**a.details, "what": a.what} for a in alerts.unusual_prices(con, ISO, as_of, s["trailing_days"], s["price_z"])]
        assert from_report == from_check and [(a["dataset"], a["point"]) for a in from_report] == [("DA_prices", "HB_NORTH")]
        # the report's means are what is judged: HB_NORTH's spike on 2024-11-10 taken out of them, no alert is left
        calm = [(name, {p: [(d, v) for d, v in values if not (name == "DA_prices" and p == "HB_NORTH" and d == dt.date(2024, 11, 10))]
                        for p, values in series.items()}) for name, series in panels]
        assert quality_html.unusual(con, ISO, calm) == []


def test_hub_prices_read_from_the_day_summaries_or_the_rows_and_give_what_every_hub_row_gives(gap_build, tmp_path):
    """hub_prices reads the Stage 2 day summaries (main._day_keys: each hub's value sum and count per day) and gives
    what reading every hub row gives. Without a complete summary it reads the hub rows since fill_stats' last interval
    less PRICE_DAYS + 3 days (a longer history costs no more), the same means; when that bound does not match the
    rows - nothing after it, or the window of PRICE_DAYS starting before it - every row rather than a short year."""
    copy = tmp_path / "warehouse.duckdb"  # its Stage 2 views read the build's parquet files by absolute path
    copy.write_bytes((gap_build / "warehouse.duckdb").read_bytes())
    datasets = [ds for ds in catalog.datasets(ISO) if ds.combined_role in ("da", "rt") and ds.has_points]
    with duckdb.connect(str(copy)) as con:
        con.execute("set TimeZone = 'UTC'")

        def every_row(ds) -> dict[str, list[tuple[dt.date, float]]]:
            rows = con.execute(f"""with hub as (select settlement_point as p, datetime_local::date as d, {ds.value_column} as v
                                               from ercot.{ds.dataset.lower()} where settlement_type = 'HUB' and v is not null)
                                   select p, d, avg(v) from hub where d > (select max(d) from hub) - {quality_html.PRICE_DAYS}
                                   group by all order by 1, 2""").fetchall()
            out: dict[str, list] = {}
            for p, d, v in rows:
                out.setdefault(p, []).append((d, pytest.approx(v, rel=1e-12)))
            return out

        for ds in datasets:
            assert quality_html.hub_prices(con, ISO, ds) == every_row(ds), ds.dataset
        # the summaries are what was read: a hub's sum doubled there doubles its drawn mean that day
        (point, day), = con.execute("""select key, max(day) from main._day_keys where model like '%"rt_prices"'
                                       and key_type = 'HUB' and key = (select min(key) from main._day_keys
                                       where key_type = 'HUB') group by key""").fetchall()
        con.execute("""update main._day_keys set value_sum = 2 * value_sum
                       where model like '%"rt_prices"' and key = ? and day = ?""", [point, day])
        rt = next(ds for ds in datasets if ds.dataset == "RT_prices")
        drawn, expected = dict(quality_html.hub_prices(con, ISO, rt)[point]), dict(every_row(rt)[point])
        assert drawn[day] == pytest.approx(2 * expected[day].expected) and drawn[day] != expected[day]
        assert {d: v for d, v in drawn.items() if d != day} == {d: v for d, v in expected.items() if d != day}
        # a summary an export has not completed (or one by an earlier version): the rows are read
        con.execute("update main._export_state set summarized_at = null")
        for shift in (0, 380, 360):  # as built; the bound after the last row; the bound 9 days before it
            con.execute(f"update ercot.fill_stats set last_interval = last_interval + interval ({shift}) day")
            for ds in datasets:
                drawn = quality_html.hub_prices(con, ISO, ds)
                assert drawn and drawn == every_row(ds), (shift, ds.dataset)
            con.execute(f"update ercot.fill_stats set last_interval = last_interval - interval ({shift}) day")


def test_the_alerts_latest_day_read_since_the_summary_and_from_every_row_when_it_does_not_match(gap_build, tmp_path):
    """The unusual_price and vanished_point alerts judge the latest day with data not after the as-of time; it is read
    from the Stage 2 day summaries when they are complete; otherwise from the rows since fill_stats' last interval
    less a few days, and from every row when that summary does not match (leading the rows, or an as-of time before
    the bound): always the day every row gives."""
    from ingest.monitor import alerts

    copy = tmp_path / "warehouse.duckdb"
    copy.write_bytes((gap_build / "warehouse.duckdb").read_bytes())
    tz = catalog.timezone(ISO)
    datasets = ("RT_prices", "DA_prices", "RT_SPP")
    with duckdb.connect(str(copy)) as con:
        con.execute("set TimeZone = 'UTC'")
        (first, last), = con.execute("select min(datetime), max(datetime) from ercot.rt_prices").fetchall()
        assert last - first > dt.timedelta(days=2)
        as_ofs = (dt.datetime.now(dt.UTC), last + dt.timedelta(hours=1), first + dt.timedelta(days=1),
                  first - dt.timedelta(days=1))

        def every_row(ds: str, as_of: dt.datetime) -> dt.date | None:
            (day,), = con.execute(f"select max(datetime_local)::date from ercot.{ds.lower()} where datetime < ? and "
                                  "datetime_local < ?", [as_of + dt.timedelta(days=2),
                                                        as_of.astimezone(tz).date() + dt.timedelta(days=1)]).fetchall()
            return day

        def latest_day(ds: str, as_of: dt.datetime) -> dt.date | None:
            return alerts._last_day(con, ISO, ds, f"ercot.{ds.lower()}", as_of, tz)

        for ds in datasets:  # from the day summaries
            for as_of in (*as_ofs, first + dt.timedelta(hours=5)):
                assert latest_day(ds, as_of) == every_row(ds, as_of), (ds, as_of)
        # the summaries are what was read: a day deleted there is not the latest day any more
        for ds in datasets:
            model = f'%"{ds.lower()}"'
            (gone,), = con.execute("select max(day) from main._day_keys where model like ?", [model]).fetchall()
            con.execute("delete from main._day_keys where model like ? and day = ?", [model, gone])
            assert latest_day(ds, as_ofs[0]) == gone - dt.timedelta(days=1) and every_row(ds, as_ofs[0]) == gone, ds
        con.execute("update main._export_state set summarized_at = null")  # no complete day summaries: the rows
        for ds in datasets:
            # the fill rule's summary as built, lagging the rows, leading them by 380 days and by one
            for shift in (0, -20, 380, 1):
                con.execute(f"update ercot.fill_stats set last_interval = last_interval + interval ({shift}) day")
                for as_of in as_ofs:
                    assert latest_day(ds, as_of) == every_row(ds, as_of), (ds, shift, as_of)
                con.execute(f"update ercot.fill_stats set last_interval = last_interval - interval ({shift}) day")


# ------------------------------------------------------------------------------------------------------------------
# without a build: the DST arithmetic, the off switch and an empty warehouse


def _fill_tables(con, start_local: dt.datetime, hours: int, missing: list[tuple[str, dt.datetime, int]]) -> None:
    """Two RT_SPP columns (15-minute grain) from `start_local` for `hours` UTC hours; `missing`: (key, local start,
    intervals) runs absent from the data (in the gaps table)."""
    tz = catalog.timezone(ISO)
    start = start_local.replace(tzinfo=tz).astimezone(dt.UTC)
    last = start + dt.timedelta(hours=hours) - dt.timedelta(minutes=15)
    con.execute("create schema if not exists ercot")
    con.execute("create or replace table ercot.fill_stats as select * from (values "
                "('RT_SPP', 'A', ?::timestamptz, ?::timestamptz, 0, 0, 0, 0), ('RT_SPP', 'B', ?, ?, 0, 0, 0, 0)) as "
                "t(dataset, column_name, first_interval, last_interval, filled_gaps, unfilled_gaps, filled_cells, "
                "null_cells)", [start, last, start, last])
    con.execute("create or replace table ercot.int_ercot__rt_spp_gaps (datetime timestamptz, datetime_local timestamp, "
                "key varchar, filled boolean)")
    for key, local, n in missing:
        t0 = local.replace(tzinfo=tz).astimezone(dt.UTC) if local.tzinfo is None else local.astimezone(dt.UTC)
        for i in range(n):
            t = t0 + dt.timedelta(minutes=15 * i)
            con.execute("insert into ercot.int_ercot__rt_spp_gaps values (?, ?, ?, false)",
                        [t, t.astimezone(tz).replace(tzinfo=None), key])


def test_coverage_expects_23_and_25_hour_days():
    rt_spp = next(d for d in catalog.datasets(ISO) if d.dataset == "RT_SPP")
    con = duckdb.connect()
    con.execute("set TimeZone = 'UTC'")
    # spring forward: 2024-03-10 has no 02:00; 4 of 8 cells missing at 03:00
    _fill_tables(con, dt.datetime(2024, 3, 9), 24 + 23 + 24, [("A", dt.datetime(2024, 3, 10, 3), 4)])
    cov = quality_html.coverage(con, ISO, rt_spp)
    assert cov.days == [dt.date(2024, 3, 9), dt.date(2024, 3, 10), dt.date(2024, 3, 11)]
    assert cov.day_hours == [24, 23, 24]
    assert np.isnan(cov.share[1][2]) and cov.share[1][3] == 0.5 and (cov.share[1] == 1.0).sum() == 22
    assert cov.expected.sum() == 2 * (24 + 23 + 24) * 4 and cov.missing.sum() == 4
    # fall back: 2024-11-03 01:00 happens twice (16 cells); the second one (CST) misses 4
    second_one = dt.datetime(2024, 11, 3, 7, tzinfo=dt.UTC)  # 01:00 CST
    _fill_tables(con, dt.datetime(2024, 11, 2), 24 + 25 + 24, [("A", second_one, 4)])
    cov = quality_html.coverage(con, ISO, rt_spp)
    assert cov.day_hours == [24, 25, 24]
    assert cov.share[1][1] == 0.75 and not np.isnan(cov.share[1]).any()
    assert cov.expected.sum() == 2 * (24 + 25 + 24) * 4 and cov.expected[1][1] == 16


def test_switch_off_removes_the_page_and_an_empty_warehouse_says_so(tmp_path, monkeypatch):
    from ingest.dbt_plugin import quality_html_function

    con = duckdb.connect(str(tmp_path / "warehouse.duckdb"))
    ensure_landed_files_table(con)
    ensure_tables(con)
    draw = quality_html_function(con)
    target = tmp_path / "quality_report.html"
    status = draw(ISO, str(target), json.dumps({"invocation_id": "x", "command": "build", "stages": {}}))
    assert "KB in" in status, status
    page = target.read_text()
    assert f"No data landed for {ISO}" in page
    assert page.count("not built") == len(catalog.datasets(ISO))
    assert "No hub prices built yet" in page and '<svg' in page  # the run history chart: this run
    monkeypatch.setenv(quality_html.SWITCH, "0")
    assert draw(ISO, str(target), "{}").startswith("skipped")
    assert not target.exists()


def test_a_drawing_error_is_a_page_and_a_status_not_a_failed_build(tmp_path):
    from ingest.dbt_plugin import quality_html_function

    con = duckdb.connect()
    con.execute("create schema landing")
    con.execute("create view landing.landed_files as select error('unreadable') as iso")
    target = tmp_path / "quality_report.html"
    status = quality_html_function(con)(ISO, str(target), "{}")
    assert status.startswith("error: ") and "could not be drawn" in target.read_text()


def test_the_docs_site_links_every_isos_report(gap_build, tmp_path):
    """The overview links the site's reports page; iso-pipeline docs writes it (ingest.docs.add_report_links) with,
    per registered ISO, links that reach the reports the build wrote (served or opened from disk)."""
    from ingest.docs import REPORTS_DIR, DocsSite, add_report_links

    overview = (PROJECT_ROOT / "docs/dbt/overview.md").read_text()
    assert f"]({REPORTS_DIR}/index.html)" in overview
    folder = add_report_links(DocsSite(tmp_path / "target"), gap_build)
    index = (folder / "index.html").read_text()
    hrefs = re.findall(r'href="([^"]+)"', index)
    assert f"{ISO}/{quality_html.REPORT_NAME}" in hrefs
    for href in hrefs:
        iso = href.split("/")[0]
        assert iso in catalog.isos(), href
        reached = (folder / href).resolve()
        assert reached == (IsoPaths.of(iso, gap_build).rollup_files / href.split("/")[1]).resolve() and reached.exists()
    for iso in catalog.isos():  # every registered ISO is listed, built or not
        assert f"<b>{iso}</b>" in index
