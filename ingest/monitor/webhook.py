"""Alerts POSTed as JSON to $ALERT_WEBHOOK_URL (optional), through the project's HTTP client (retries, timeouts).

The body carries the alerts as objects and a `text` field with the rendered list, so Slack / Teams / Mattermost
incoming webhooks show it as is. The URL is treated as a secret (those webhooks embed their token in the path):
it is never printed or logged, only its host; a server's error text that quotes it is shown without it.

Settings: ALERT_WEBHOOK_TIMEOUT (seconds to wait for an answer, default 30; two retries).
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import re
import socket
from pathlib import Path
from urllib.parse import urlsplit

from ..config import env_number
from ..http import HttpClient, HttpError, Policy, hide_paths
from .alerts import Alert

log = logging.getLogger(__name__)

WEBHOOK_ENV = "ALERT_WEBHOOK_URL"
TIMEOUT_ENV = "ALERT_WEBHOOK_TIMEOUT"
DEFAULT_TIMEOUT = 30.0


def payload(alerts: list[Alert], *, iso: str | None, as_of: dt.datetime, base: Path) -> dict:
    lines = [f"iso-pipeline check{' ' + iso if iso else ''}: {len(alerts)} alert(s) on {socket.gethostname()} "
             f"({base}), as of {as_of:%Y-%m-%d %H:%M UTC}"]
    lines += [a.render() for a in alerts]
    return {
        "source": "iso-pipeline",
        "host": socket.gethostname(),
        "data_dir": str(base),
        "iso": iso,
        "as_of": as_of.isoformat(),
        "evaluated_at": dt.datetime.now(dt.UTC).isoformat(),
        "count": len(alerts),
        "alerts": [a.to_json() for a in alerts],
        "text": "\n".join(lines),
    }


def post(body: dict, url: str | None = None) -> str | None:
    """POST `body` to the webhook; None when delivered (or no webhook configured), else why it was not (one line
    naming the host only)."""
    url = url or os.environ.get(WEBHOOK_ENV, "").strip()
    if not url:
        return None
    host = urlsplit(url).netloc.rsplit("@", 1)[-1] or "?"
    try:
        timeout = _timeout()
    except ValueError as exc:
        return f"webhook on {host} not delivered ({exc})"
    policy = Policy(min_interval=0.0, retries=2, backoff=0.5, backoff_max=5.0, connect_timeout=min(10.0, timeout),
                    read_timeout=timeout)
    try:
        with HttpClient("ALERT_WEBHOOK", policy, hide_paths=True) as client:
            client.request("POST", url, json=body).close()
    except HttpError as exc:
        reason = without_secrets(f"HTTP {exc.status}: {exc.reason}" if exc.status else exc.reason, url)
        if exc.kind == "timeout":
            reason += f"; {TIMEOUT_ENV} sets the wait"
        log.warning("alert webhook on %s not delivered: %s", host, reason)
        return f"webhook on {host} not delivered ({reason})"
    return None


def _timeout() -> float:
    return env_number(TIMEOUT_ENV, DEFAULT_TIMEOUT, unit="of seconds", above_zero=True)


def without_secrets(text: str, url: str) -> str:
    """`text` (e.g. a server's error message) without the webhook URL's path, query, user info or any piece of
    them: a server that quotes the request gives the secret back."""
    parts = urlsplit(url)
    pieces = {url, parts.path, parts.query, parts.fragment, parts.netloc.rpartition("@")[0]}
    pieces |= {p for p in re.split(r"[/?&=#:@]", f"{parts.path}?{parts.query}#{parts.fragment}") if len(p) >= 4}
    for piece in sorted((p for p in pieces if p and p != "/"), key=len, reverse=True):
        text = text.replace(piece, "[hidden]")
    return hide_paths(text)
