"""Alerts POSTed as JSON to $ALERT_WEBHOOK_URL (optional), through the project's HTTP client (retries, timeouts).

The body carries the alerts as objects and a `text` field with the rendered list, so Slack / Teams / Mattermost
incoming webhooks show it as is. The URL is treated as a secret (those webhooks embed their token in the path):
it is never printed, only its host.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import socket
from pathlib import Path
from urllib.parse import urlsplit

from ..http import HttpClient, HttpError, Policy
from .alerts import Alert

log = logging.getLogger(__name__)

WEBHOOK_ENV = "ALERT_WEBHOOK_URL"


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
        "evaluated_at": dt.datetime.now(dt.timezone.utc).isoformat(),
        "count": len(alerts),
        "alerts": [a.to_json() for a in alerts],
        "text": "\n".join(lines),
    }


def post(body: dict, url: str | None = None) -> str | None:
    """POST `body` to the webhook; None when delivered (or no webhook configured), else why it was not."""
    url = url or os.environ.get(WEBHOOK_ENV, "").strip()
    if not url:
        return None
    host = urlsplit(url).netloc.rsplit("@", 1)[-1] or "?"
    policy = Policy(min_interval=0.0, retries=2, backoff=0.5, backoff_max=5.0, connect_timeout=10.0,
                    read_timeout=30.0)
    try:
        with HttpClient("ALERT_WEBHOOK", policy) as client:
            client.request("POST", url, json=body).close()
    except HttpError as exc:
        # a network error's text quotes the URL (the secret path): only the status is shown
        reason = f"HTTP {exc.status}: {exc.reason}" if exc.status else "network error"
        log.warning("alert webhook on %s not delivered: %s", host, reason)
        return f"webhook on {host} not delivered ({reason})"
    return None
