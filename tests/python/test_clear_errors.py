"""Errors in one line, without tracebacks, and never a secret: the `iso-pipeline` command run as a real process against
real HTTP servers on 127.0.0.1 that fail on purpose (HTTP 500, a hang, garbage, a wrong shape), some of them quoting
back the secrets they were sent.

Secrets checked: the ERCOT API username, password, subscription key and id_token; the alert webhook's path and query.
Each run's stdout, stderr and every file it wrote (data directory, logs) are searched for them.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from werkzeug.wrappers import Request, Response

from fixtures.download.fakes import FakeErcot, dam_doc
from ingest.http import HIDDEN_PATH, HttpClient, HttpError, Policy

CLI = str(Path(sys.executable).with_name("iso-pipeline"))
D = dt.date
CREDENTIALS = ("user@example.com", "pa55-W0RD-secret", "sub-KEY-0123456789abcdef")


@pytest.fixture()
def release():
    """An event the hanging handlers wait on; set when the test ends so the (single-threaded) server moves on."""
    event = threading.Event()
    yield event
    event.set()


def hang(release: threading.Event):
    def handler(request: Request) -> Response:
        release.wait(20)
        return Response("{}", content_type="application/json")
    return handler


def run_cli(tmp_path: Path, *args: str, **env: str) -> tuple[subprocess.CompletedProcess, str]:
    """Run `iso-pipeline -v <args>` on a fresh data dir; returns the result and every text the run left behind
    (stdout, stderr, the files under the data dir and the log dir)."""
    base, logs = tmp_path / "data", tmp_path / "logs"
    full = {**os.environ, "ISO_DATA_DIR": str(base), "DBT_LOG_PATH": str(logs), **env}
    proc = subprocess.run([CLI, "-v", *args], env=full, capture_output=True, text=True, timeout=120)
    texts = [proc.stdout, proc.stderr]
    for folder in (base, logs):
        for p in folder.rglob("*") if folder.exists() else []:
            if p.is_file():
                texts.append(p.read_bytes().decode("utf-8", "replace"))
    return proc, "\n".join(texts)


def error_line(proc: subprocess.CompletedProcess) -> str:
    """The one `Error:` line (the last of stderr); the run printed no traceback."""
    assert "Traceback" not in proc.stderr, proc.stderr
    errors = [ln for ln in proc.stderr.splitlines() if ln.startswith("Error:")]
    assert len(errors) == 1 and proc.stderr.rstrip().endswith(errors[0]), proc.stderr
    return errors[0]


def asked(httpserver, path: str, settle: float = 10.0) -> int:
    """How many requests for `path` the server saw, once it stopped receiving (a hanging handler queues them)."""
    import time

    deadline, seen = time.monotonic() + settle, -1
    while time.monotonic() < deadline:
        now = sum(r.path == path for r, _ in httpserver.log)
        if now == seen:
            return now
        seen = now
        time.sleep(0.5)
    return seen


def assert_no_secret(secrets: list[str], text: str) -> None:
    assert text.strip(), "nothing to search"
    for secret in secrets:
        assert secret not in text, f"a secret leaked: {secret[:4]}..."


# -- ERCOT ---------------------------------------------------------------------------------------------------------
@pytest.fixture()
def ercot(httpserver, tmp_path) -> tuple[FakeErcot, dict[str, str]]:
    """FakeErcot (MIS lists 10/21 onwards, so 10/18..10/20 need the API) and the environment of a download."""
    docs = [dam_doc(1_042_000_000 + n, D(2024, 10, n)) for n in range(14, 26)]
    fake = FakeErcot(httpserver, docs, mis_ids={d.doc_id for d in docs if d.published.date() >= D(2024, 10, 21)})
    root = httpserver.url_for("/").rstrip("/")
    env = {"ERCOT_MIS_BASE_URL": root, "ERCOT_API_BASE_URL": root + "/api/public-reports",
           "ERCOT_API_TOKEN_URL": root + "/b2c/token",
           **dict(zip(("ERCOT_API_USERNAME", "ERCOT_API_PASSWORD", "ERCOT_API_SUBSCRIPTION_KEY"), CREDENTIALS)),
           "ISO_DOWNLOAD_MIN_INTERVAL_ERCOT_MIS": "0", "ISO_DOWNLOAD_MIN_INTERVAL_ERCOT_API": "0",
           "ISO_DOWNLOAD_BACKOFF": "0.01", "ISO_DOWNLOAD_RETRIES": "1", "ISO_DOWNLOAD_TIMEOUT": "0.5"}
    return fake, env


DOWNLOAD = ("download", "ercot", "--dataset", "DA_prices", "--start", "2024-10-18", "--end", "2024-10-22",
            "--no-progress")


def token_env(httpserver, env: dict[str, str], path: str) -> dict[str, str]:
    return {**env, "ERCOT_API_TOKEN_URL": httpserver.url_for(path)}


def echo_secrets() -> str:
    return f"you sent username={CREDENTIALS[0]} password={CREDENTIALS[1]} key={CREDENTIALS[2]}"


@pytest.mark.parametrize("case", ["http500", "hang", "garbage", "json_without_token", "other_400"])
def test_sign_in_failures_that_are_not_credentials_say_what_happened(case, ercot, httpserver, tmp_path, release):
    fake, env = ercot
    handlers = {
        "http500": lambda r: Response(json.dumps({"error": "server_error", "error_description": echo_secrets()}),
                                      status=500, content_type="application/json"),
        "hang": hang(release),
        "garbage": lambda r: Response(f"{CREDENTIALS[1]} <html><body>maintenance; {echo_secrets()}</body></html>",
                                      status=200, content_type="text/html"),
        "json_without_token": lambda r: Response(json.dumps({"status": "ok", "note": echo_secrets()}),
                                                 content_type="application/json"),
        "other_400": lambda r: Response(json.dumps({
            "error": "unsupported_grant_type",
            "error_description": "AADB2C90086: The supplied grant_type [password] is not supported."}),
            status=400, content_type="application/json"),
    }
    httpserver.expect_request(f"/token-{case}", method="POST").respond_with_handler(handlers[case])
    proc, everything = run_cli(tmp_path, *DOWNLOAD, **token_env(httpserver, env, f"/token-{case}"))
    assert proc.returncode == 1
    line = error_line(proc)
    host = httpserver.url_for("/").split("//")[1].rstrip("/")
    expected = {
        "http500": f"Error: ERCOT API sign-in failed: HTTP 500 (INTERNAL SERVER ERROR: server_error: you sent "
                   f"username=[hidden] password=[hidden] key=[hidden]) from {host}; rerun later",
        "hang": f"Error: ERCOT API sign-in failed: {host} timed out after 0.5 s without an answer "
                f"(ISO_DOWNLOAD_TIMEOUT sets the wait); rerun later",
        "garbage": f"Error: ERCOT API sign-in failed: {host} answered something that is not a token (not JSON "
                   f"(text/html, ",
        "json_without_token": f"Error: ERCOT API sign-in failed: {host} answered something that is not a token (JSON "
                              f"with keys status, note, no id_token); check ERCOT_API_TOKEN_URL if set",
        "other_400": f"Error: ERCOT API sign-in failed: HTTP 400 (BAD REQUEST: unsupported_grant_type: AADB2C90086: "
                     f"The supplied grant_type [password] is not supported.) from {host}; check ERCOT_API_TOKEN_URL "
                     f"if set",
    }[case]
    assert line.startswith(expected), line
    assert "ERCOT_API_USERNAME" not in line and "ERCOT_API_PASSWORD" not in line  # not an account problem
    if case == "hang":
        assert "Retrying (" in proc.stderr and HIDDEN_PATH in proc.stderr  # urllib3's warning, without the path
        assert "/token-hang" not in proc.stderr
    release.set()  # a hanging handler holds the server: let it answer the queued attempts
    retried = case in ("http500", "hang", "garbage")  # a 400 or a JSON answer is final
    assert asked(httpserver, f"/token-{case}") == (2 if retried else 1)  # first try + ISO_DOWNLOAD_RETRIES=1
    assert_no_secret(list(CREDENTIALS), everything)


def test_only_rejected_credentials_blame_the_account(ercot, tmp_path):
    fake, env = ercot
    wrong = {**env, "ERCOT_API_PASSWORD": "WRONG-pa55-secret"}
    proc, everything = run_cli(tmp_path, *DOWNLOAD, **wrong)
    assert proc.returncode == 1
    line = error_line(proc)
    assert line.startswith("Error: ERCOT API sign-in failed: the account was refused (HTTP 400 from ")
    assert "invalid_grant: AADB2C90225: The username or password provided in the request are invalid." in line
    assert line.endswith("check ERCOT_API_USERNAME and ERCOT_API_PASSWORD")
    assert_no_secret(["WRONG-pa55-secret", CREDENTIALS[0], CREDENTIALS[2]], everything)


@pytest.mark.parametrize("case", ["http500", "shape", "hang"])
def test_archive_listing_errors_are_one_line(case, ercot, httpserver, tmp_path, release):
    fake, env = ercot
    handlers = {
        "http500": lambda r: Response("<html>Internal error</html>", status=500, content_type="text/html"),
        "shape": lambda r: Response(json.dumps({"archives": "none today", "_meta": {"totalPages": 1}}),
                                    content_type="application/json"),
        "hang": hang(release),
    }
    httpserver.expect_request(f"/broken-{case}/archive/np4-190-cd", method="GET").respond_with_handler(handlers[case])
    proc, everything = run_cli(tmp_path, *DOWNLOAD,
                               **{**env, "ERCOT_API_BASE_URL": httpserver.url_for(f"/broken-{case}")})
    assert proc.returncode == 1
    line = error_line(proc)
    host = httpserver.url_for("/").split("//")[1].rstrip("/")
    what = "Error: the ERCOT API archive list of NP4-190-CD (operating days 2024-10-18..2024-10-21)"
    assert line.startswith({
        "http500": f"{what} failed: HTTP 500 (INTERNAL SERVER ERROR) from {host}; rerun later",
        "shape": f"{what} has an unknown shape (top-level keys: archives, _meta): expected an object with `archives`",
        "hang": f"{what} failed: {host} timed out after 0.5 s without an answer (ISO_DOWNLOAD_TIMEOUT sets the wait)",
    }[case]), line
    assert fake.tokens_issued >= 1  # it did sign in: the token must not show either
    assert_no_secret(list(CREDENTIALS) + fake.secrets, everything)


def test_mis_listing_error_is_one_line(ercot, tmp_path):
    fake, env = ercot
    fake.faults.always("listing", "503")
    proc, everything = run_cli(tmp_path, *DOWNLOAD, **env)
    assert proc.returncode == 1
    assert error_line(proc).startswith("Error: the ERCOT MIS document list of NP4-190-CD failed: HTTP 503 "
                                       "(SERVICE UNAVAILABLE) from ")
    assert_no_secret(list(CREDENTIALS), everything)


# -- --as-of -------------------------------------------------------------------------------------------------------
EXPECTED_FORMS = ("expected a date or a time such as 2024-11-10, 2024-11-10T12:00 or 2024-11-10T12:00-06:00 "
                  "(UTC unless an offset is given)")


@pytest.fixture(scope="module")
def landed(tmp_path_factory) -> Path:
    """A data directory with a warehouse: one landed AS file."""
    from ingest.landing import land

    folder = tmp_path_factory.mktemp("as_of")
    f = folder / "in" / "cdr.00012329.0000000000000000.20241020.123002.DAMCPCNP4188.csv"
    f.parent.mkdir()
    f.write_text("DeliveryDate,HourEnding,AncillaryType,MCPC,DSTFlag\r\n10/21/2024,01:00,REGUP,4.5,N\r\n")
    land("ERCOT", [f], base=folder / "data")
    return folder / "data"


@pytest.mark.parametrize("command", ["check", "status"])
def test_unreadable_as_of_is_one_line_exit_2(command, landed):
    env = {**os.environ, "ISO_DATA_DIR": str(landed), "ALERT_MIN_FREE_DISK_GB": "0"}
    env.pop("ISO_PIPELINE_NOW", None)
    bad = subprocess.run([CLI, command, "--as-of", "garbage"], env=env, capture_output=True, text=True)
    assert bad.returncode == 2 and bad.stdout == ""
    assert bad.stderr == f"Error: cannot read --as-of 'garbage': {EXPECTED_FORMS}\n"
    from_env = subprocess.run([CLI, command], env={**env, "ISO_PIPELINE_NOW": "2024-13-45"}, capture_output=True,
                              text=True)
    assert from_env.returncode == 2
    assert from_env.stderr == f"Error: cannot read $ISO_PIPELINE_NOW '2024-13-45': {EXPECTED_FORMS}\n"
    good = subprocess.run([CLI, command, "ercot", "--as-of", "2024-10-22T00:00-05:00"], env=env, capture_output=True,
                          text=True)
    assert good.returncode in (0, 1) and "as of 2024-10-22 05:00 UTC" in good.stdout, good.stderr


# -- the alert webhook ---------------------------------------------------------------------------------------------
WEBHOOK_SECRETS = ["T0SECRETAA", "B0SECRETBB", "xoxSECRETCC", "QSECRETDD", "QSECRETEE"]
WEBHOOK_PATH = "/services/T0SECRETAA/B0SECRETBB/xoxSECRETCC"


@pytest.mark.parametrize("case", ["hang", "http500", "refused"])
def test_a_failing_webhook_never_shows_its_url(case, landed, httpserver, tmp_path, release):
    def quoting_500(request: Request) -> Response:  # a server that quotes the request back
        return Response(json.dumps({"message": f"no hook at {request.full_path} ({request.url})"}), status=500,
                        content_type="application/json")

    httpserver.expect_request(WEBHOOK_PATH, method="POST").respond_with_handler(
        hang(release) if case == "hang" else quoting_500)
    port = free_port() if case == "refused" else httpserver.port  # nothing listens on a freed port
    url = f"http://127.0.0.1:{port}{WEBHOOK_PATH}?token=QSECRETDD&sig=QSECRETEE"
    env = {"ALERT_WEBHOOK_URL": url, "ALERT_WEBHOOK_TIMEOUT": "0.5", "ALERT_MIN_FREE_DISK_GB": "1e12",
           "ISO_DATA_DIR": str(landed)}
    proc, everything = run_cli(tmp_path, "check", "ercot", "--as-of", "2024-10-22T00:00-05:00", **env)
    everything += "\n".join(p.read_bytes().decode("utf-8", "replace") for p in landed.rglob("*") if p.is_file()
                            and p.suffix != ".duckdb")
    assert proc.returncode == 1 and "low_disk" in proc.stdout  # an alert fired, so the webhook was called
    line = next(ln for ln in proc.stderr.splitlines() if ln.startswith("check: "))
    assert line.startswith(f"check: webhook on 127.0.0.1:{port} not delivered (")
    assert {"hang": "timed out after 0.5 s without an answer; ALERT_WEBHOOK_TIMEOUT sets the wait)",
            "http500": "HTTP 500: INTERNAL SERVER ERROR: no hook at [hidden]",
            "refused": "cannot connect: Connection refused)"}[case] in line, line
    if case != "refused":
        release.set()
        assert asked(httpserver, WEBHOOK_PATH) == 3  # it was asked: first try + 2 retries
    if case == "hang":
        assert "Retrying (" in proc.stderr and HIDDEN_PATH in proc.stderr
    assert "Traceback" not in proc.stderr
    assert_no_secret(WEBHOOK_SECRETS, everything)


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_urllib3_log_lines_lose_the_path(caplog):
    """urllib3's retry warning quotes the request path; the filter installed by ingest.http hides it."""
    caplog.set_level(logging.DEBUG)
    logger = logging.getLogger("urllib3.connectionpool")
    logger.warning("Retrying (%r) after connection broken by '%r': %s", "Retry(total=1)", "ReadTimeoutError()",
                   "/services/T0SECRETAA/B0SECRETBB?token=QSECRETDD")
    logging.getLogger("urllib3.connectionpool").debug('%s://%s:%s "%s %s %s" %s %s', "http", "localhost", 80, "POST",
                                                      "/services/xoxSECRETCC", "HTTP/1.1", 500, 2)
    assert len(caplog.records) == 2 and HIDDEN_PATH in caplog.text
    assert_no_secret(WEBHOOK_SECRETS[:4], caplog.text)
    # not every slash is a path: an unrelated logger is left alone
    logging.getLogger("ingest.test").warning("kept: %s", "/services/T0SECRETAA")
    assert "/services/T0SECRETAA" in caplog.records[-1].getMessage()


def test_a_hidden_path_client_shows_only_the_host(httpserver, release, caplog):
    caplog.set_level(logging.DEBUG)
    httpserver.expect_request(WEBHOOK_PATH).respond_with_handler(hang(release))
    policy = Policy(min_interval=0.0, retries=1, backoff=0.01, read_timeout=0.3)
    with HttpClient("T", policy, hide_paths=True) as client, pytest.raises(HttpError) as err:
        client.request("POST", httpserver.url_for(WEBHOOK_PATH) + "?token=QSECRETDD", json={})
    assert err.value.kind == "timeout" and err.value.reason == "timed out after 0.3 s without an answer"
    assert str(err.value) == f"http://localhost:{httpserver.port}{HIDDEN_PATH}: timed out after 0.3 s without an answer"
    assert_no_secret(WEBHOOK_SECRETS, caplog.text + str(err.value))
    with HttpClient("T", policy) as plain:  # the default client shows the path (redacting secret query values)
        assert plain.shown(httpserver.url_for(WEBHOOK_PATH) + "?token=QSECRETDD").endswith(
            WEBHOOK_PATH + "?token=REDACTED")
