"""ERCOT: recent documents from MIS, older ones from the public API archive; every one a published zip of one CSV.

Routes (base URLs from the environment, see `run`):
- MIS (no account): `GET <ERCOT_MIS_BASE_URL>/misapp/servlets/IceDocListJsonWS?reportTypeId=<type id>` lists the
  recent documents of a report (about a month of daily reports, a few days of 5/15-minute ones);
  `GET .../misdownload/servlets/mirDownload?doclookupId=<DocID>` fetches one.
- Public API archive (needs ERCOT_API_USERNAME, ERCOT_API_PASSWORD, ERCOT_API_SUBSCRIPTION_KEY): an Azure B2C
  password sign-in gives an id_token (about an hour; renewed before it runs out and after any 401);
  `GET <ERCOT_API_BASE_URL>/archive/<report id>?postDatetimeFrom=&postDatetimeTo=&page=&size=` lists documents,
  `POST .../archive/<report id>/download {"docIds": [...]}` returns a zip of the document zips (at most 1,000 a
  request), `GET .../archive/<report id>?download=<docId>` one document.
Days the MIS listing covers come from MIS; earlier days from the API (only then are credentials needed).

Operating (delivery) day of a document, which is what --start/--end select:
- DAM reports (NP4-190-CD, NP4-188-CD): published the day before delivery, and neither name carries the delivery
  day: delivery = publish date + 1 (publish date from the `cdr.<type>.<0...>.<YYYYMMDD>.<time>` name, else the
  listing's PublishDate / postDatetime, which are Central time).
- NP6-905-CD (`SPPHLZNP6905_<YYYYMMDD>_<HHMM>`, also `_retry_` reruns): HHMM is the END of the 15-minute interval,
  so the day is that of (date + HHMM - 1 minute): `_0000` is the last interval of the previous day, `_2400` (if
  ever used) the last interval of the named day, `_0015` the first of the named day.
- NP6-788-CD (`LMPSROSNODENP6788_<YYYYMMDD>_<HHMMSS>`): the SCED run time, which lies inside its own day.
Only the CSV flavour is fetched (`..._csv` friendly name, `_csv.zip` constructed name, or Extension csv); the XML
twin never is. Files keep ERCOT's constructed name (`cdr.00012331.0000000000000000.20241020.123005.DAMSPNP4190_csv.zip`)
whichever route brought them, so both routes give identical raw and landed files.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
import shutil
import time
import zipfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from .. import reports
from ..files import part_for, place, writing
from ..http import BadContent, HttpClient, HttpError, json_body, redact_url, safe_name
from ..published import CDR_NAME
from .base import DAY, DownloadError, DownloadSummary, Job, base_url, check_zip, days, env, require_env, runs

log = logging.getLogger(__name__)

MIS_BASE = "https://www.ercot.com"
LIST_PATH = "/misapp/servlets/IceDocListJsonWS"
DOWNLOAD_PATH = "/misdownload/servlets/mirDownload"
API_BASE = "https://api.ercot.com/api/public-reports"
TOKEN_URL = "https://ercotb2c.b2clogin.com/ercotb2c.onmicrosoft.com/B2C_1_PUBAPI-ROPC-FLOW/oauth2/v2.0/token"
#: ERCOT's public client id for the API sign-in (published in ERCOT's API documentation; not a secret).
CLIENT_ID = "fec253ea-0d06-4272-a5e6-b478baeecd70"
API_VARIABLES = ("ERCOT_API_USERNAME", "ERCOT_API_PASSWORD", "ERCOT_API_SUBSCRIPTION_KEY")

#: The downloadable reports (rows of seeds/iso_reports.csv) and how each one's delivery day is read.
DAY_RULES: dict[str, str] = {
    "NP4-190-CD": "publish+1",
    "NP4-188-CD": "publish+1",
    "NP6-905-CD": "interval_end",
    "NP6-788-CD": "sced_run",
}
BULK_MAX = 1000  # documents per bulk POST (ERCOT's limit)
LAND_EVERY = 50  # MIS documents per landing batch
API_CHUNK_DAYS = 7  # operating days per archive listing
PAGE_SIZE = 1000  # archive listing page size

NAME_STAMP = re.compile(r"_(\d{8})_(\d{4}|\d{6})(?!\d)")
DOC_ID_PREFIX = re.compile(r"^(\d+)\.(.+)$")
#: What Azure B2C answers (HTTP 400, `invalid_grant`) to a wrong username or password (AADB2C90225, AADB2C90053).
CREDENTIALS_REJECTED = re.compile(r"invalid_grant|username or password|credential|AADB2C9(0225|0053)", re.I)


@dataclass(frozen=True)
class Doc:
    doc_id: str
    day: dt.date  # operating (delivery) day
    friendly: str
    name: str | None  # ERCOT's constructed file name, when the listing gives it
    route: str  # "mis" or "api"

    def file_name(self, suggested: str | None = None) -> str:
        """The raw file name: the constructed name, else the server's (without a `<docId>.` prefix)."""
        if self.name:
            return self.name
        if suggested:
            m = DOC_ID_PREFIX.match(suggested)
            rest = m.group(2) if m and m.group(1) == self.doc_id else suggested
            if rest.lower() != "zip":
                return rest
        return safe_name(f"{self.friendly or 'document'}_{self.doc_id}.zip") or f"{self.doc_id}.zip"


def report_for(dataset: str) -> tuple[reports.Report, str]:
    rows = [r for r in reports.reports_for("ERCOT") if r.dataset == dataset and r.report_id in DAY_RULES]
    if not rows:
        known = sorted({r.dataset for r in reports.reports_for("ERCOT") if r.report_id in DAY_RULES})
        raise DownloadError(f"ERCOT has no downloadable dataset {dataset!r}: choose one of {', '.join(known)}")
    return rows[0], DAY_RULES[rows[0].report_id]


def flavour(*texts: str | None) -> str | None:
    """"csv" or "xml" from a friendly name (`..._csv`), a constructed name (`..._csv.zip`) or an Extension."""
    for text in texts:
        t = (text or "").strip().lower().removesuffix(".zip")
        if t == "csv" or t.endswith("_csv"):
            return "csv"
        if t == "xml" or t.endswith("_xml"):
            return "xml"
    return None


def delivery_day(rule: str, friendly: str | None, constructed: str | None, published: str | None) -> dt.date | None:
    """The operating day a document delivers (see the module docstring)."""
    if rule == "publish+1":
        m = CDR_NAME.match(constructed or "")
        try:
            posted = (dt.datetime.strptime(m.group(2), "%Y%m%d").date() if m
                      else dt.date.fromisoformat((published or "")[:10]))
        except ValueError:
            return None
        return posted + DAY
    m = NAME_STAMP.search(friendly or "") or NAME_STAMP.search(constructed or "")
    if not m:
        return None
    try:
        day = dt.datetime.strptime(m.group(1), "%Y%m%d").date()
    except ValueError:  # not a date (e.g. 20241399): the caller reports the document as unreadable
        return None
    stamp = m.group(2)
    if rule == "interval_end" and len(stamp) == 4:
        end = dt.datetime.combine(day, dt.time(0)) + dt.timedelta(hours=int(stamp[:2]), minutes=int(stamp[2:]))
        return (end - dt.timedelta(minutes=1)).date()
    return day


def check_document(path: Path) -> None:
    """An ERCOT document: a complete zip holding a CSV."""
    names = check_zip(path)
    if not any(n.lower().endswith(".csv") for n in names):
        raise BadContent(f"the zip holds no CSV ({', '.join(names[:3])})")


# ------------------------------------------------------------------------------------------------- listings

def mis_listing(client: HttpClient, mis: str, report: reports.Report, rule: str) -> list[Doc]:
    url = mis + LIST_PATH
    try:
        data = client.get_json(url, params={"reportTypeId": report.type_id})
    except HttpError as exc:
        raise DownloadError(f"the ERCOT MIS document list of {report.report_id} failed: {_http_problem(exc)}; "
                            f"rerun later") from None
    try:
        entries = data["ListDocsByRptTypeRes"].get("DocumentList") or []
    except (KeyError, TypeError, AttributeError):
        keys = ", ".join(data) if isinstance(data, dict) else type(data).__name__
        raise DownloadError(f"the ERCOT MIS document list at {url} has an unknown shape (top-level keys: {keys})") from None
    if isinstance(entries, dict):  # a single document comes as an object, not a list
        entries = [entries]
    out = []
    for entry in entries:
        doc = entry.get("Document", entry) if isinstance(entry, dict) else None
        if not isinstance(doc, dict):
            continue
        friendly, constructed = str(doc.get("FriendlyName") or ""), str(doc.get("ConstructedName") or "")
        if flavour(friendly, constructed, doc.get("Extension")) != "csv":
            continue
        doc_id = str(doc.get("DocID") or "").strip()
        day = delivery_day(rule, friendly, constructed, doc.get("PublishDate"))
        if not doc_id or day is None:
            log.warning("ERCOT MIS: cannot read the document id or delivery day of %s", constructed or friendly)
            continue
        out.append(Doc(doc_id, day, friendly, safe_name(constructed) if constructed else None, "mis"))
    return out


def api_listing(client: HttpClient, auth: ErcotAuth, api: str, report: reports.Report, rule: str,
                first: dt.date, last: dt.date) -> list[Doc]:
    """Archive documents delivering `first`..`last` (listed by post time, a day of margin either side)."""
    url = f"{api}/archive/{report.report_id.lower()}"
    params = {"postDatetimeFrom": f"{first - DAY}T00:00:00", "postDatetimeTo": f"{last + DAY}T23:59:59",
              "page": 1, "size": PAGE_SIZE}
    out: list[Doc] = []
    what = f"the ERCOT API archive list of {report.report_id} (operating days {first}..{last})"
    while True:
        try:
            data = _api_call(lambda: client.get_json(url, params=params, auth=auth))
        except HttpError as exc:
            raise DownloadError(f"{what} failed: {_http_problem(exc)}; rerun later (finished work is kept)") from None
        archives, pages = archive_page(data, what)
        for a in archives:
            friendly, constructed = str(a.get("friendlyName") or ""), str(a.get("constructedName") or "")
            if flavour(friendly, constructed) != "csv":
                continue
            doc_id = str(a.get("docId") or "").strip()
            day = delivery_day(rule, friendly, constructed, a.get("postDatetime"))
            if doc_id and day is not None and first <= day <= last:
                out.append(Doc(doc_id, day, friendly, safe_name(constructed) if constructed else None, "api"))
        if not archives or params["page"] >= pages:
            return out
        params["page"] += 1


def archive_page(data: object, what: str) -> tuple[list[dict], int]:
    """The documents and the page count of one archive listing page; DownloadError for any other shape."""
    if isinstance(data, dict):
        archives, meta = data.get("archives") or [], data.get("_meta") or {}
        pages = (meta.get("totalPages") or 1) if isinstance(meta, dict) else None
        if isinstance(pages, str) and pages.isdigit():
            pages = int(pages)
        if isinstance(archives, list) and all(isinstance(a, dict) for a in archives) and isinstance(pages, int):
            return archives, pages
    shape = (f"top-level keys: {', '.join(map(str, data))}" if isinstance(data, dict)
             else f"a JSON {type(data).__name__}")
    raise DownloadError(f"{what} has an unknown shape ({shape}): expected an object with `archives` (a list of "
                        f"documents) and `_meta.totalPages`")


def _http_problem(exc: HttpError) -> str:
    """A failed request in one line: `HTTP 500 (Internal Server Error) from host`, `timed out after ...`, ..."""
    host = urlsplit(exc.url).netloc or exc.url
    if exc.status:
        return f"HTTP {exc.status} ({exc.reason}) from {host}"
    if exc.kind == "timeout":
        return f"{host} {exc.reason} (ISO_DOWNLOAD_TIMEOUT sets the wait)"
    if exc.kind == "content":
        return f"{host} answered {exc.reason}"
    return f"{host}: {exc.reason}"


def _api_call(call: Callable):
    try:
        return call()
    except HttpError as exc:
        if exc.status in (401, 403):
            raise DownloadError(f"the ERCOT public API refused the request even after a fresh sign-in ({exc}): "
                                f"check ERCOT_API_SUBSCRIPTION_KEY (and that the subscription is active)") from exc
        raise


class ErcotAuth:
    """The B2C password sign-in: `Authorization: Bearer <id_token>` plus the subscription key header."""

    def __init__(self, client: HttpClient, token_url: str, username: str, password: str, key: str):
        self._client = client
        self._token_url = token_url
        self._username = username
        self._password = password
        self._key = key
        self._token: str | None = None
        self._expires = 0.0
        self.sign_ins = 0

    def headers(self) -> dict[str, str]:
        if self._token is None or time.time() >= self._expires:
            self.refresh()
        return {"Authorization": f"Bearer {self._token}", "Ocp-Apim-Subscription-Key": self._key}

    def refresh(self) -> None:
        form = {"grant_type": "password", "username": self._username, "password": self._password,
                "response_type": "id_token", "scope": f"openid {CLIENT_ID} offline_access", "client_id": CLIENT_ID}
        try:
            body = self._client.fetch("POST", self._token_url, data=form, check=self._json)
        except HttpError as exc:
            raise DownloadError(self._without_secrets(self.sign_in_problem(exc))) from None
        token = (body.get("id_token") or body.get("access_token")) if isinstance(body, dict) else None
        if not token or not isinstance(token, str):
            got = (f"JSON with keys {', '.join(map(str, body))}" if isinstance(body, dict)
                   else f"a JSON {type(body).__name__}")
            raise DownloadError(self._without_secrets(
                f"ERCOT API sign-in failed: {self._host} answered something that is not a token ({got}, no id_token); "
                f"check ERCOT_API_TOKEN_URL if set"))
        try:
            life = float(body.get("expires_in") or 3600)
        except (TypeError, ValueError):
            life = 3600.0
        self._token = str(token)
        self._expires = time.time() + max(life - 60, life / 2)
        self.sign_ins += 1
        log.info("signed in to the ERCOT public API (token valid for about %.0f s)", life)

    def _json(self, resp: object, body: bytes) -> object:
        """The token answer as JSON; BadContent describing it (without the secrets a server may echo) otherwise."""
        try:
            return json_body(resp, body)
        except BadContent as exc:
            raise BadContent(self._without_secrets(str(exc))) from None

    @property
    def _host(self) -> str:
        return urlsplit(self._token_url).netloc.rsplit("@", 1)[-1] or redact_url(self._token_url)

    def sign_in_problem(self, exc: HttpError) -> str:
        """What a failed sign-in means: only a 400/401 naming bad credentials blames the account."""
        if exc.status in (400, 401) and CREDENTIALS_REJECTED.search(exc.reason):
            return (f"ERCOT API sign-in failed: the account was refused (HTTP {exc.status} from {self._host}: "
                    f"{exc.reason}): check ERCOT_API_USERNAME and ERCOT_API_PASSWORD")
        if exc.status:
            hint = "; check ERCOT_API_TOKEN_URL if set" if exc.status < 500 else "; rerun later"
            return f"ERCOT API sign-in failed: HTTP {exc.status} ({exc.reason}) from {self._host}{hint}"
        if exc.kind == "timeout":
            return (f"ERCOT API sign-in failed: {self._host} {exc.reason} (ISO_DOWNLOAD_TIMEOUT sets the wait); "
                    f"rerun later")
        if exc.kind == "content":
            return (f"ERCOT API sign-in failed: {self._host} answered something that is not a token ({exc.reason}); "
                    f"check ERCOT_API_TOKEN_URL if set")
        return f"ERCOT API sign-in failed: cannot reach {self._host} ({exc.reason})"

    def _without_secrets(self, text: str) -> str:
        """`text` with the username, password and subscription key blanked (a server may quote what it was sent)."""
        for secret in sorted({self._username, self._password, self._key} - {""}, key=len, reverse=True):
            text = text.replace(secret, "[hidden]")
        return text


# ------------------------------------------------------------------------------------------------- fetching

Fetched = tuple[Doc, Path, int]


def mis_fetch(job: Job, client: HttpClient, mis: str, batch: list[Doc]) -> list[Fetched]:
    out = []
    for doc in batch:
        if job.should_stop():
            break
        try:
            got = client.download(mis + DOWNLOAD_PATH, job.raw, name=doc.file_name,
                                  params={"doclookupId": doc.doc_id}, validate=check_document)
        except HttpError as exc:
            job.fail([doc.day], doc.file_name(), str(exc))
            continue
        out.append((doc, got.path, got.bytes))
    return out


def api_fetch_one(job: Job, client: HttpClient, auth: ErcotAuth, api: str, report: reports.Report,
                  doc: Doc) -> Fetched | None:
    try:
        got = _api_call(lambda: client.download(f"{api}/archive/{report.report_id.lower()}", job.raw,
                                                name=doc.file_name, params={"download": doc.doc_id}, auth=auth,
                                                validate=check_document))
    except HttpError as exc:
        job.fail([doc.day], doc.file_name(), str(exc))
        return None
    return doc, got.path, got.bytes


def api_fetch(job: Job, client: HttpClient, auth: ErcotAuth, api: str, report: reports.Report,
              batch: list[Doc]) -> list[Fetched]:
    """One bulk POST for the batch (a single document: one GET), unpacked into the per-document zips; a document
    missing from the answer or damaged in it is fetched on its own."""
    if len(batch) == 1:
        one = api_fetch_one(job, client, auth, api, report, batch[0])
        return [one] if one else []
    staging = job.raw / ".bulk"
    rid = report.report_id.lower()
    try:
        got = _api_call(lambda: client.download(
            f"{api}/archive/{rid}/download", staging, name=f".{rid}_{batch[0].doc_id}_{len(batch)}.zip",
            method="POST", json={"docIds": [d.doc_id for d in batch]}, auth=auth, validate=check_zip))
    except HttpError as exc:
        log.warning("ERCOT API bulk download of %d documents failed (%s); fetching them one by one", len(batch), exc)
        singles = []
        for doc in batch:
            if job.should_stop():
                break
            one = api_fetch_one(job, client, auth, api, report, doc)
            if one:
                singles.append(one)
        return singles
    by_id = {d.doc_id: d for d in batch}
    by_name = {d.name: d for d in batch if d.name}
    out: dict[str, Fetched] = {}
    try:
        with zipfile.ZipFile(got.path) as zf:
            for info in zf.infolist():
                if info.is_dir():
                    continue
                member = info.filename.replace("\\", "/").rsplit("/", 1)[-1]
                m = DOC_ID_PREFIX.match(member)
                doc = (by_id.get(m.group(1)) if m else None) or by_name.get(member)
                if doc is None or doc.doc_id in out:
                    log.warning("ERCOT API bulk answer holds an unrequested member %s", member)
                    continue
                name = doc.file_name(member)
                part = part_for(job.raw / name, download=True)
                with zf.open(info) as src, writing(part) as dst:
                    shutil.copyfileobj(src, dst, 1 << 20)
                try:
                    check_document(part)
                except BadContent as exc:
                    part.unlink()
                    log.warning("ERCOT API bulk answer: %s is damaged (%s)", name, exc)
                    continue
                out[doc.doc_id] = (doc, place(part, job.raw / name), info.file_size)
    finally:
        got.path.unlink(missing_ok=True)
    inner = sum(f[2] for f in out.values())
    job.summary.bytes += max(0, got.bytes - inner)  # the wrapper's own bytes
    for doc in batch:
        if doc.doc_id not in out and not job.should_stop():
            one = api_fetch_one(job, client, auth, api, report, doc)
            if one:
                out[doc.doc_id] = one
    return [out[d.doc_id] for d in batch if d.doc_id in out]


def process(job: Job, docs: Iterable[Doc], batch_size: int, label: str, source: str,
            fetch: Callable[[list[Doc]], list[Fetched]]) -> None:
    """Skip what the state already holds, fetch the rest in batches, land each batch, record it."""
    done = job.state.documents(job.dataset)
    seen: set[str] = set()
    todo: list[Doc] = []
    for doc in sorted(docs, key=lambda d: (d.day, d.name or d.friendly, d.doc_id)):
        if doc.doc_id in seen:  # ERCOT lists some documents twice
            continue
        seen.add(doc.doc_id)
        job.summary.listed += 1
        if doc.doc_id in done:
            job.skipped([doc.day])
        else:
            todo.append(doc)
    with job.bar(label, len(todo)) as bar:
        for i in range(0, len(todo), batch_size):
            if job.should_stop():
                break
            batch = todo[i:i + batch_size]
            fetched = fetch(batch)
            for _, _, nbytes in fetched:
                job.succeeded(nbytes)
            records = [("documents", doc.doc_id, {"day": doc.day.isoformat(), "file": path.name, "route": doc.route},
                        [doc.day]) for doc, path, _ in fetched]
            job.land([path for _, path, _ in fetched], source, records, dt.datetime.now(dt.UTC))
            bar.update(len(batch))


# ------------------------------------------------------------------------------------------------- the run

def run(job: Job) -> DownloadSummary:
    report, rule = report_for(job.dataset)
    start, end = job.resolve_range()
    closed = dt.date.max if rule == "publish+1" else job.closed_through_intraday()
    if start > end:
        job.summary.notes.append(f"already complete through {job.state.last_day(job.dataset)}")
        return job.finish(closed)
    mis = base_url("ERCOT_MIS_BASE_URL", MIS_BASE)
    shutil.rmtree(job.raw / ".bulk", ignore_errors=True)  # a bulk answer a killed run left behind

    with HttpClient("ERCOT_MIS") as mis_client:
        listing = mis_listing(mis_client, mis, report, rule)
        listed_days = sorted({d.day for d in listing})
        # The oldest listed day of an intraday report is usually cut off by the listing: the API serves it whole.
        first_full = (listed_days[0] + (DAY if rule != "publish+1" else dt.timedelta(0))) if listed_days else None
        wanted = days(start, end)
        api_days = [d for d in wanted if first_full is None or d < first_full]

        if api_days:
            held = f"which holds {first_full} onwards" if first_full else "which lists none"
            user, password, key = require_env(
                API_VARIABLES,
                f"operating days {api_days[0]}..{api_days[-1]} of {report.report_id} are older than the ERCOT MIS "
                f"listing ({held}), so they come from the ERCOT public API archive, which needs an account "
                f"(free, at https://apiexplorer.ercot.com)")
            api = base_url("ERCOT_API_BASE_URL", API_BASE)
            token_url = env("ERCOT_API_TOKEN_URL") or TOKEN_URL
            job.summary.notes.append(f"{api_days[0]}..{api_days[-1]} from the public API archive")
            with HttpClient("ERCOT_API") as api_client:
                auth = ErcotAuth(api_client, token_url, user, password, key)
                for run_days in runs(api_days):
                    for i in range(0, len(run_days), API_CHUNK_DAYS):
                        if job.should_stop():
                            break
                        chunk = run_days[i:i + API_CHUNK_DAYS]
                        docs = api_listing(api_client, auth, api, report, rule, chunk[0], chunk[-1])
                        process(job, docs, BULK_MAX, f"API {chunk[0]}..{chunk[-1]}",
                                redact_url(f"{api}/archive/{report.report_id.lower()}"),
                                lambda batch: api_fetch(job, api_client, auth, api, report, batch))

        mis_docs = [d for d in listing if start <= d.day <= end and first_full is not None and d.day >= first_full]
        if not job.should_stop():
            process(job, mis_docs, LAND_EVERY, "MIS", redact_url(mis + DOWNLOAD_PATH),
                    lambda batch: mis_fetch(job, mis_client, mis, batch))
    return job.finish(closed)
