"""The one HTTP client of the downloaders: polite, patient, and careful with what it writes.

    client = HttpClient("CAISO")
    data = client.get_json(url, params=...)                     # JSON, retried while the body is not JSON
    got = client.download(url, folder, validate=check_zip)      # streamed to <name>.part, checked, renamed

- Retries: one urllib3 `Retry` per call (mounted on the session): connection errors and 429/500/502/503/504 (every
  method), `ISO_DOWNLOAD_RETRIES` retries in all, the first at once, then exponential backoff with jitter, honouring
  `Retry-After`. A body cut off mid-transfer, or one that fails its check (an HTML error page served with status 200,
  a truncated zip), is counted against the same `Retry` (as a read error) and waits its backoff: see `_with_retries`.
- Politeness: at most one request every `min_interval` seconds per service (shared by every client of the service).
- Timeouts on connect and on every read.
- Files: streamed to `<name>.part` next to the target, checked, then renamed by `files.place` (never over another
  file); a failed transfer leaves nothing behind.
- Secrets: credentials travel in headers only (never in URLs), are never logged, and requests that carry them do
  not follow redirects (a redirect to another host would otherwise receive the key). Logged URLs go through
  `redact_url`; a client made with `hide_paths=True` (the alert webhook, whose path is its token) shows no path at
  all. urllib3's own log lines (e.g. `Retrying (...) after connection broken by ...: /path?query`) are shown without
  path and query, and error reasons never quote a URL's path.
- Errors: `HttpError.kind` says what went wrong: "status" (an HTTP error status), "timeout" (no answer within the
  read or connect timeout), "network" (refused, reset, name not found, ...) or "content" (a body that is not what was
  asked for, e.g. an HTML page instead of JSON); `reason` is one short line.

Settings (environment variables; the defaults are the ISOs' published limits):
    ISO_DOWNLOAD_MIN_INTERVAL_<SERVICE>   seconds between requests: ERCOT_MIS 1, ERCOT_API 2, CAISO 5, PJM 10, MISO 1, SPP 1,
                                          NYISO 1, ISONE 1
    ISO_DOWNLOAD_RETRIES                  attempts after the first (default 5)
    ISO_DOWNLOAD_BACKOFF                  backoff factor in seconds (default 2: retries at once, then after about 4, 8,
                                          16, ... s plus up to 2 s of jitter, at most 120; urllib3's schedule)
    ISO_DOWNLOAD_TIMEOUT                  read timeout in seconds (default 120; connect timeout 20)
"""

from __future__ import annotations

import json
import logging
import re
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from email.message import Message
from email.utils import collapse_rfc2231_value
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import parse_qsl, quote, urlencode, urlsplit, urlunsplit

import requests
from requests.adapters import HTTPAdapter
from urllib3.exceptions import MaxRetryError, ProtocolError
from urllib3.util import Retry

from . import __version__
from .config import env_number
from .files import part_for, place, writing

log = logging.getLogger(__name__)

#: Default seconds between two requests to one service.
MIN_INTERVALS: dict[str, float] = {"ERCOT_MIS": 1.0, "ERCOT_API": 2.0, "CAISO": 5.0, "PJM": 10.0, "MISO": 1.0,
                                   "MISO_API": 0.6, "SPP": 1.0, "NYISO": 1.0, "ISONE": 1.0,
                                   "ISONE_API": 2.0}
#: Files fetched at once where a downloader fetches a list of independent files (the one-file-per-day loop of MISO
#: and SPP, ingest/download/daily.py); the rate limit above still spaces the requests' starts.
PARALLEL: dict[str, int] = {"MISO": 2, "SPP": 2}
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
USER_AGENT = f"iso-pipeline/{__version__} (python-requests {requests.__version__})"
CHUNK = 1 << 16
ERROR_BODY_MAX = 1 << 16  # bytes of an error response read for its JSON reason
#: Query parameters never written to logs or metadata (lower case, substrings).
SECRET_PARAMS = ("key", "token", "password", "secret", "signature", "sig", "code", "auth")


class HttpError(Exception):
    """A request that failed for good (after the retries). `status` is None for network errors; `kind` is "status",
    "timeout", "network" or "content" (see the module docstring)."""

    def __init__(self, status: int | None, url: str, reason: str, kind: str | None = None):
        self.status = status
        self.url = redact_url(url)
        self.reason = reason
        self.kind = kind or ("status" if status else "network")
        super().__init__(f"{self.url}: " + (f"HTTP {status}: " if status else "") + reason)


class ConfigError(ValueError):
    """A setting (environment variable) of this module that cannot be used."""


class BadContent(Exception):
    """A body that arrived whole but is not what was asked for (retried, then reported)."""


class Auth(Protocol):
    """Credentials of one service: the headers to send, and how to renew them after a 401."""

    def headers(self) -> dict[str, str]: ...

    def refresh(self) -> None: ...


@dataclass(frozen=True)
class Policy:
    min_interval: float
    retries: int = 5
    backoff: float = 2.0
    backoff_max: float = 120.0
    retry_after_max: int = 900
    connect_timeout: float = 20.0
    read_timeout: float = 120.0
    parallel: int = 1

    @classmethod
    def for_service(cls, service: str) -> Policy:
        def number(name: str, default: float) -> float:
            return env_number(name, default, error=ConfigError)

        return cls(
            min_interval=number(f"ISO_DOWNLOAD_MIN_INTERVAL_{service}", MIN_INTERVALS.get(service, 1.0)),
            retries=int(number("ISO_DOWNLOAD_RETRIES", 5)),
            backoff=number("ISO_DOWNLOAD_BACKOFF", 2.0),
            read_timeout=number("ISO_DOWNLOAD_TIMEOUT", 120.0),
            parallel=int(env_number(f"ISO_DOWNLOAD_PARALLEL_{service}", PARALLEL.get(service, 1),
                                    unit="of files at once", above_zero=True, whole=True, error=ConfigError)),
        )

    def retry(self) -> Retry:
        """The retry budget of one call: urllib3 counts every retry against it, the body checks of `HttpClient` too."""
        return Retry(
            total=self.retries,
            connect=self.retries,
            read=self.retries,
            status=self.retries,
            other=0,  # anything else (a certificate error, ...) does not get better by asking again
            allowed_methods=None,  # every method: the POSTs used here (bulk download, token) are safe to repeat
            status_forcelist=RETRY_STATUSES,
            backoff_factor=self.backoff,
            backoff_max=self.backoff_max,
            backoff_jitter=self.backoff,
            respect_retry_after_header=True,
            retry_after_max=self.retry_after_max,
            raise_on_status=False,
        )


def redact_url(url: str) -> str:
    """The URL with the values of secret-looking query parameters and any user:password@ removed."""
    parts = urlsplit(url)
    netloc = parts.netloc.rsplit("@", 1)[-1]
    query = [(k, "REDACTED" if any(s in k.lower() for s in SECRET_PARAMS) else v)
             for k, v in parse_qsl(parts.query, keep_blank_values=True)]
    return urlunsplit((parts.scheme, netloc, parts.path, urlencode(query, safe=";,:/*", quote_via=quote), ""))


_FULL_URL = re.compile(r"\b([a-z][a-z0-9+.-]*://[^/\s'\"?#]+)[^\s'\"]*", re.I)
_BARE_PATH = re.compile(r"(?<![\w.:/\\])/[^\s'\")]+")
HIDDEN_PATH = "/[path hidden]"


def hide_paths(text: str) -> str:
    """`text` with the path and query of every URL (and every bare `/path?query`) replaced by `/[path hidden]`."""
    return _BARE_PATH.sub(HIDDEN_PATH, _FULL_URL.sub(lambda m: m.group(1) + HIDDEN_PATH, text))


class _HidePaths(logging.Filter):
    """urllib3 logs request paths (`Retrying (...) after connection broken by ...: /hook/token?sig=...`), which may be
    secret: its records are shown without them."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            text = record.getMessage()
        except Exception:  # noqa: BLE001 - a record that cannot be formatted is left to logging's own error path
            return True
        record.msg, record.args = hide_paths(text), None
        return True


for _name in ("urllib3.connectionpool", "urllib3.connection", "urllib3.poolmanager", "urllib3.response",
              "urllib3.util.retry"):
    logging.getLogger(_name).addFilter(_HidePaths())


def with_params(url: str, params: Mapping[str, Any] | None) -> str:
    """`url` with `params` appended as its query string (what `requests` sends), for logs and metadata."""
    if not params:
        return url
    sep = "&" if urlsplit(url).query else "?"
    return url + sep + urlencode({k: str(v) for k, v in params.items()}, safe=";,:/*", quote_via=quote)


class RateLimiter:
    """At most one request per `interval` seconds; one limiter per service, shared by its clients."""

    _shared: dict[str, RateLimiter] = {}
    _lock = threading.Lock()

    def __init__(self, interval: float):
        self.interval = interval
        self._next = 0.0
        self._mutex = threading.Lock()

    @classmethod
    def for_service(cls, service: str, interval: float) -> RateLimiter:
        with cls._lock:
            limiter = cls._shared.get(service)
            if limiter is None:
                limiter = cls._shared[service] = cls(interval)
            limiter.interval = interval  # the latest configuration wins
            return limiter

    def wait(self) -> None:
        with self._mutex:
            now = time.monotonic()
            if now < self._next:
                time.sleep(self._next - now)
                now = time.monotonic()
            self._next = now + self.interval


@dataclass(frozen=True)
class Downloaded:
    path: Path
    bytes: int
    server_name: str | None  # the file name the server suggested (Content-Disposition), if any


def filename_from_headers(headers: Mapping[str, str]) -> str | None:
    """The file name of `Content-Disposition` (quoted, bare, or RFC 5987 / 2231 `filename*=UTF-8''...`, which wins
    over a plain `filename` as RFC 6266 asks), as a safe base name; parsed by the standard library's email package."""
    header = Message()
    header["Content-Disposition"] = headers.get("Content-Disposition") or ""
    names = [v for k, v in header.get_params([], header="content-disposition") if k.lower() == "filename"]
    # the email package lists the RFC 2231 (`filename*`) values, as (charset, language, text) tuples, last
    return safe_name(collapse_rfc2231_value(names[-1])) if names else None


def safe_name(name: str) -> str | None:
    """A base name that cannot leave its folder (no separators, no leading dots)."""
    base = re.split(r"[\\/]", name.strip())[-1]
    base = re.sub(r"[^A-Za-z0-9._\-]+", "_", base).lstrip(".")
    return base or None


class HttpClient:
    """A `requests` session for one service (`ERCOT_MIS`, `ERCOT_API`, `CAISO`, `PJM`)."""

    def __init__(self, service: str, policy: Policy | None = None, *, hide_paths: bool = False):
        self.service = service
        self.policy = policy or Policy.for_service(service)
        self.hide_paths = hide_paths
        self.limiter = RateLimiter.for_service(service, self.policy.min_interval)
        self.session = requests.Session()
        self.adapter = HTTPAdapter(max_retries=self.policy.retry())
        self.session.mount("http://", self.adapter)
        self.session.mount("https://", self.adapter)
        self.session.headers["User-Agent"] = USER_AGENT
        self.requests_sent = 0

    def close(self) -> None:
        self.session.close()

    def __enter__(self) -> HttpClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def shown(self, url: str, params: Mapping[str, Any] | None = None) -> str:
        """`url` as logs and errors show it: secret query values redacted, or (`hide_paths`) without path."""
        return hide_paths(redact_url(url)) if self.hide_paths else redact_url(with_params(url, params))

    # -- one request --------------------------------------------------------------------------------------
    def request(self, method: str, url: str, *, params: Mapping[str, Any] | None = None, json: Any = None,
                data: Mapping[str, str] | None = None, headers: Mapping[str, str] | None = None,
                auth: Auth | None = None, retries: Retry | None = None) -> requests.Response:
        """Send one request, retried by urllib3 within `retries` (default: a fresh budget); renew `auth` once on 401.
        Returns an unread, streamed 2xx response (`response.raw.retries`: the budget left); anything else raises
        HttpError with a short reason (never the request's headers)."""
        shown = self.shown(url, params)
        for renewed in (False, True):
            sent = dict(headers or {})
            if auth is not None:
                sent.update(auth.headers())  # may sign in first, through this client: set the budget after it
            self.limiter.wait()
            self.requests_sent += 1
            log.debug("%s %s", method, shown)
            self.adapter.max_retries = retries or self.policy.retry()
            try:
                resp = self.session.request(
                    method, url, params=params, json=json, data=data, headers=sent, stream=True,
                    timeout=(self.policy.connect_timeout, self.policy.read_timeout),
                    allow_redirects=auth is None,
                )
            except requests.RequestException as exc:
                kind, reason = network_problem(exc, self.policy)
                raise HttpError(None, shown, reason, kind) from None
            if resp.status_code == 401 and auth is not None and not renewed:
                resp.close()
                log.info("%s answered 401: renewing credentials", shown)
                auth.refresh()
                continue
            if not 200 <= resp.status_code < 300:
                reason = _error_reason(resp)
                resp.close()
                raise HttpError(resp.status_code, shown, reason)
            return resp
        raise AssertionError("unreachable")  # pragma: no cover

    # -- whole bodies -------------------------------------------------------------------------------------
    def _with_retries(self, method: str, url: str, read: Callable[[requests.Response], Any], **kwargs: Any) -> Any:
        """`read(response)` of one request, asked again while the body breaks off or `read` raises BadContent.

        urllib3's `Retry` is the one retry mechanism, but it cannot see bodies: requests streams them
        (`preload_content=False`), so urllib3 has returned by the time a body breaks off, and a complete body with
        status 200 that is an HTML page or half a zip looks like success to it (Retry judges connection errors,
        statuses and headers only). Measured: with urllib3's retries alone, 7 of the 38 downloader tests fail (a
        dropped connection, a truncated zip, an HTML page instead of JSON or of a zip, a dropped PJM page). So this
        loop only hands those failures to the same `Retry` (as a read error: same counters, same backoff) and sends
        again with what is left of it.
        """
        shown = self.shown(url, kwargs.get("params"))
        budget = self.policy.retry()
        while True:
            resp = self.request(method, url, retries=budget, **kwargs)
            budget = getattr(resp.raw, "retries", None) or budget  # less what urllib3 used (503s, resets)
            try:
                return read(resp)
            except (requests.RequestException, OSError) as exc:
                kind, reason = network_problem(exc, self.policy)
                problem = f"transfer broken: {reason}"
            except BadContent as exc:
                problem, kind = str(exc), "content"
            finally:
                resp.close()
            try:
                budget = budget.increment(method, shown, error=ProtocolError(problem))
            except MaxRetryError:
                raise HttpError(None, shown, problem, kind) from None
            log.warning("%s: %s (retry %d of %d)", shown, problem, len(budget.history), self.policy.retries)
            budget.sleep()

    def fetch(self, method: str, url: str, *, check: Callable[[requests.Response, bytes], Any] | None = None,
              **kwargs: Any) -> Any:
        """The body of one request, read whole; retried when the transfer breaks or `check` raises BadContent.
        Returns `check(response, body)` (or the body)."""
        def read(resp: requests.Response) -> Any:
            body = resp.content
            return check(resp, body) if check else body

        return self._with_retries(method, url, read, **kwargs)

    def get_json(self, url: str, **kwargs: Any) -> Any:
        """GET a JSON document; an HTML error page (even with status 200) is retried, then an HttpError."""
        return self.fetch("GET", url, check=json_body, **kwargs)

    # -- files --------------------------------------------------------------------------------------------
    def download(self, url: str, folder: Path, *, name: str | Callable[[str | None], str] | None = None,
                 method: str = "GET", validate: Callable[[Path], Any] | None = None,
                 **kwargs: Any) -> Downloaded:
        """Stream one response to `folder/<name>.part`, check it, rename it into place.

        `name` is the file name, or a function of the server's suggested name (Content-Disposition), or None for
        the suggested name itself. `validate(path)` raises BadContent for a body worth asking again for (retried),
        or any other exception to give up at once; the `.part` is removed either way.
        """
        shown = self.shown(url, kwargs.get("params"))
        folder.mkdir(parents=True, exist_ok=True)

        def read(resp: requests.Response) -> Downloaded:
            suggested = filename_from_headers(resp.headers)
            final = name(suggested) if callable(name) else (name or suggested)
            if not final:
                raise HttpError(resp.status_code, shown, "no file name: the server sent no Content-Disposition")
            part = part_for(folder / final, download=True)
            try:
                size = _stream_to(resp, part)
                if validate is not None:
                    validate(part)
            except BaseException:
                part.unlink(missing_ok=True)
                raise
            return Downloaded(place(part, folder / final), size, suggested)

        return self._with_retries(method, url, read, **kwargs)


def _stream_to(resp: requests.Response, part: Path) -> int:
    expected = resp.headers.get("Content-Length")
    size = 0
    with writing(part) as fh:
        for chunk in resp.iter_content(CHUNK):
            fh.write(chunk)
            size += len(chunk)
    if expected and expected.isdigit() and not resp.headers.get("Content-Encoding") and size != int(expected):
        raise requests.ConnectionError(f"got {size} of {expected} bytes")
    return size


def json_body(resp: requests.Response, body: bytes) -> Any:
    try:
        return json.loads(body)
    except ValueError:
        raise BadContent(f"not JSON ({_describe(resp, body)})") from None


def _describe(resp: requests.Response, body: bytes) -> str:
    kind = resp.headers.get("Content-Type", "no content type").split(";")[0]
    return f"{kind}, {describe_bytes(body[:80], len(body))}"


def describe_bytes(head: bytes, size: int) -> str:
    """`1234 bytes starting '<!DOCTYPE html>...'`, or what binary content looks like."""
    if head.startswith(b"PK"):
        return f"{size} bytes beginning like a zip"
    text = head.decode("utf-8", "replace")
    if sum(c.isprintable() or c.isspace() for c in text) < 0.9 * max(1, len(text)):
        return f"{size} bytes of binary data"
    return f"{size} bytes starting {' '.join(text.split())[:50]!r}"


def _error_reason(resp: requests.Response) -> str:
    """A short reason from an error response: its JSON error code and message if any (OAuth `error` +
    `error_description`, `message`, ...), else the status text."""
    try:
        body = resp.raw.read(ERROR_BODY_MAX, decode_content=True) or b""
        data = json.loads(body)
    except Exception:  # noqa: BLE001 - a broken, cut off or non-JSON error body is still an error: the status says it
        data = None
    parts: list[str] = []
    if isinstance(data, dict):
        for keys in (("error",), ("error_description", "message", "ERR_DESC", "detail")):
            text = next((data[k] for k in keys if isinstance(data.get(k), str) and data[k].strip()), None)
            if text:
                parts.append(" ".join(text.split())[:200])
    return f"{resp.reason or 'error'}" + (f": {': '.join(parts)}" if parts else "")


def network_problem(exc: BaseException, policy: Policy) -> tuple[str, str]:
    """(kind, one-line reason) of a failed connection or transfer: kind "timeout" or "network"; the reason names no
    URL path (urllib3's texts quote the path, which may be secret)."""
    import socket

    from urllib3 import exceptions as u3

    cause: BaseException = exc
    while True:  # requests wraps urllib3's MaxRetryError, which wraps the last attempt's error
        inner = cause.args[0] if cause.args and isinstance(cause.args[0], BaseException) else None
        if isinstance(cause, u3.MaxRetryError) and cause.reason is not None:
            inner = cause.reason
        if inner is None or inner is cause:
            break
        cause = inner
    text = str(cause)
    if isinstance(cause, u3.NameResolutionError):  # (a NewConnectionError, itself a ConnectTimeoutError: first)
        return "network", "the host name cannot be resolved"
    if isinstance(cause, u3.NewConnectionError):
        return "network", "cannot connect: " + re.sub(r"^\[Errno \d+\]\s*", "", text.rsplit("connection: ", 1)[-1])
    if isinstance(cause, (u3.ConnectTimeoutError, requests.ConnectTimeout)):
        return "timeout", f"timed out after {policy.connect_timeout:g} s while connecting"
    if isinstance(cause, (u3.ReadTimeoutError, requests.ReadTimeout, socket.timeout, TimeoutError)):
        return "timeout", f"timed out after {policy.read_timeout:g} s without an answer"
    if isinstance(cause, u3.ProtocolError) and len(cause.args) > 1:
        text = f"connection broken: {cause.args[1]!r}"
    return "network", hide_paths(f"{type(cause).__name__}: {text}" if text else type(cause).__name__)[:300]
