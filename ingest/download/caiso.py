"""CAISO OASIS: `SingleZip` queries, one zip per query window, landed as received.

    GET <CAISO_OASIS_BASE_URL>/SingleZip?resultformat=6&queryname=PRC_LMP&version=12&market_run_id=DAM
        &startdatetime=20241021T07:00-0000&enddatetime=20241028T07:00-0000&node=TH_NP15_GEN-APND,...

- Datasets (rows of seeds/iso_reports.csv): DA_prices PRC_LMP v12 DAM, RT_prices PRC_RTPD_LMP v3 RTPD,
  RT_5min PRC_INTVL_LMP v3 RTM, AS_prices PRC_AS v12 DAM (all regions and products).
- Nodes: `CAISO_OASIS_NODES` (comma-separated APNode names), default the three trading hubs and four DLAPs.
  OASIS takes at most 10 nodes a query, so longer lists are split into several queries per window.
- Windows: Pacific operating days, from local midnight to local midnight (sent in GMT, so DST days have 23 or 25
  hours). Hourly queries ask for a calendar week (Monday to Sunday), 15- and 5-minute ones for one day, well under
  OASIS's 31-day limit. Real-time days are fetched only once they are over (yesterday, after 01:00).
- Answers: a zip of CSVs is landed. A zip holding OASIS's XML error is not: ERR_CODE 1000 ("No data returned")
  means nothing is published for the window (not an error; asked again next run), any other code (e.g. 1004,
  period too long) is a failure. A body that is not a zip at all (an HTML error page with status 200, a transfer
  cut short) is asked for again, then reported as failed.
- Incremental: a window is recorded with the operating days its CSVs actually hold (OPR_DT); days already held
  under the same query and nodes are never asked for again, so reruns and overlapping ranges fetch nothing twice.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import logging
import zipfile
from pathlib import Path
from xml.etree import ElementTree

from .. import reports
from ..catalog import timezone
from ..http import HttpClient, HttpError, redact_url, with_params
from .base import DAY, DownloadError, DownloadSummary, Job, base_url, check_zip, days, env, windows

log = logging.getLogger(__name__)

OASIS_BASE = "https://oasis.caiso.com/oasisapi"
#: queryname -> (version, market_run_id)
QUERIES: dict[str, tuple[int, str]] = {
    "PRC_LMP": (12, "DAM"),
    "PRC_RTPD_LMP": (3, "RTPD"),
    "PRC_INTVL_LMP": (3, "RTM"),
    "PRC_AS": (12, "DAM"),
}
INTRADAY = {"PRC_RTPD_LMP", "PRC_INTVL_LMP"}
DEFAULT_NODES = ("TH_NP15_GEN-APND", "TH_SP15_GEN-APND", "TH_ZP26_GEN-APND",
                 "DLAP_PGAE-APND", "DLAP_SCE-APND", "DLAP_SDGE-APND", "DLAP_VEA-APND")
MAX_NODES = 10
NO_DATA = "1000"
PACIFIC = timezone("CAISO")
ERROR_XML_MAX = 1 << 20  # an OASIS error message is about 1 kB; a bigger member is not one (nor read whole)


class OasisError(Exception):
    def __init__(self, code: str, desc: str):
        self.code, self.desc = code, desc
        super().__init__(f"OASIS error {code}: {desc}")


def report_for(dataset: str) -> reports.Report:
    rows = [r for r in reports.reports_for("CAISO") if r.dataset == dataset and r.report_id in QUERIES]
    if not rows:
        known = sorted({r.dataset for r in reports.reports_for("CAISO") if r.report_id in QUERIES})
        raise DownloadError(f"CAISO has no downloadable dataset {dataset!r}: choose one of {', '.join(known)}")
    return rows[0]


def selectors(query: str) -> list[dict[str, str]]:
    if query == "PRC_AS":
        return [{"anc_type": "ALL", "anc_region": "ALL"}]
    raw = env("CAISO_OASIS_NODES")
    nodes = [n.strip() for n in raw.split(",") if n.strip()] if raw else list(DEFAULT_NODES)
    return [{"node": ",".join(nodes[i:i + MAX_NODES])} for i in range(0, len(nodes), MAX_NODES)]


def gmt(day: dt.date) -> str:
    """Pacific midnight starting `day`, as OASIS wants it: `20241021T07:00-0000`."""
    t = dt.datetime.combine(day, dt.time(0), PACIFIC).astimezone(dt.UTC)
    return t.strftime("%Y%m%dT%H:%M-0000")


def check_answer(path: Path) -> list[str]:
    """CSV member names of an OASIS answer; OasisError for an XML error (or a member that is not one); BadContent for
    a broken zip."""
    names = check_zip(path)
    csvs = [n for n in names if n.lower().endswith(".csv")]
    if csvs:
        return csvs
    with zipfile.ZipFile(path) as zf:
        size = zf.getinfo(names[0]).file_size
        body = zf.read(names[0]) if size <= ERROR_XML_MAX else b""
    if not body:
        raise OasisError("?", f"the zip holds no CSV, only {', '.join(names[:3])} ({size:,} bytes: not an OASIS error)")
    code, desc = oasis_error(body)
    if code is None:
        raise OasisError("?", f"the zip holds no CSV and no OASIS error ({', '.join(names[:3])}: {desc})")
    raise OasisError(code, desc)


def oasis_error(body: bytes) -> tuple[str | None, str]:
    """(ERR_CODE, ERR_DESC) of an OASIS XML error message (any namespace prefix), or (None, why not).

    ElementTree over expat: entities are never fetched (an external one is an "undefined entity" error) and expat
    2.4+ stops entity expansion bombs ("limit on input amplification factor"), so a hostile body is a ParseError."""
    try:
        root = ElementTree.fromstring(body)
    except (ElementTree.ParseError, LookupError, ValueError) as exc:  # LookupError: an unknown declared encoding
        return None, f"not readable XML: {exc}"
    code = (root.findtext(".//{*}ERR_CODE") or "").strip()
    if not code:
        return None, f"XML <{root.tag.rpartition('}')[2]}> without ERR_CODE"
    return code, " ".join((root.findtext(".//{*}ERR_DESC") or "").split())


def days_held(path: Path) -> set[dt.date]:
    """The operating days (OPR_DT) the CSVs of an answer hold."""
    out: set[dt.date] = set()
    with zipfile.ZipFile(path) as zf:
        for name in zf.namelist():
            if not name.lower().endswith(".csv"):
                continue
            with zf.open(name) as fh:
                reader = csv.reader(io.TextIOWrapper(fh, encoding="utf-8", errors="replace", newline=""))
                header = [c.strip().upper() for c in next(reader, [])]
                if "OPR_DT" not in header:
                    continue
                col = header.index("OPR_DT")
                for row in reader:
                    if len(row) > col:
                        try:
                            out.add(dt.date.fromisoformat(row[col].strip()[:10]))
                        except ValueError:
                            pass
    return out


def run(job: Job) -> DownloadSummary:
    report = report_for(job.dataset)
    query = report.report_id
    version, market = QUERIES[query]
    start, end = job.resolve_range()
    # Day-ahead results are published the day before; real-time days are complete once over.
    available = job.closed_through_intraday() if query in INTRADAY else job.today + DAY
    closed = available
    if end > available:
        job.summary.notes.append(f"operating days after {available} are not complete yet: not asked for")
        end = available
    if start > end:
        job.summary.notes.append(f"nothing to fetch before {start}")
        return job.finish(closed)
    url = base_url("CAISO_OASIS_BASE_URL", OASIS_BASE) + "/SingleZip"

    plan = []
    for sel in selectors(query):
        selector = "&".join(f"{k}={v}" for k, v in sel.items())
        wanted = days(start, end)
        covered = job.skip_done_windows(selector, start, end)
        needed = [d for d in wanted if d not in covered]
        for window in windows(needed, weekly=query not in INTRADAY):
            plan.append((sel, selector, window))
    job.summary.listed = job.summary.skipped + len(plan)

    with HttpClient("CAISO") as client, job.bar("OASIS windows", len(plan)) as bar:
        for sel, selector, window in plan:
            if job.should_stop():
                break
            fetch_window(job, client, url, query, version, market, sel, selector, window)
            bar.update(1)
    return job.finish(closed)


def fetch_window(job: Job, client: HttpClient, url: str, query: str, version: int, market: str,
                 sel: dict[str, str], selector: str, window: list[dt.date]) -> None:
    first, last = window[0], window[-1]
    params = {"resultformat": 6, "queryname": query, "version": version, "market_run_id": market,
              "startdatetime": gmt(first), "enddatetime": gmt(last + DAY), **sel}
    fallback = f"{first:%Y%m%d}_{last + DAY:%Y%m%d}_{query}_{market}_v{version}.zip"
    label = f"{query} {first}..{last}" + (f" ({sel['node'][:40]})" if "node" in sel else "")
    try:
        got = client.download(url, job.raw, name=lambda s: s or fallback, params=params, validate=check_answer)
    except OasisError as exc:
        if exc.code == NO_DATA:
            job.summary.empty += 1
            log.info("OASIS has no data for %s (%s)", label, exc.desc)
        else:
            job.fail(window, label, str(exc))
        return
    except HttpError as exc:
        job.fail(window, label, str(exc))
        return
    held = days_held(got.path) & set(window)
    if not held:
        got.path.unlink()
        job.summary.bytes += got.bytes
        job.summary.empty += 1
        log.info("OASIS answered %s with CSVs holding no rows of the window", label)
        return
    job.succeeded(got.bytes)
    key = f"{query}|{market}|v{version}|{selector}|{first}|{last}"
    entry = {"selector": selector, "first": first.isoformat(), "last": last.isoformat(),
             "days": sorted(d.isoformat() for d in held), "file": got.path.name}
    job.land([got.path], redact_url(with_params(url, params)), [("windows", key, entry, held)],
             dt.datetime.now(dt.UTC))
