"""The one HTTP client (ingest/http.py) against a real HTTP server on 127.0.0.1 that misbehaves on purpose."""

from __future__ import annotations

import datetime as dt
import json
import logging
import time
import zipfile

import pytest
from werkzeug.wrappers import Response

from fixtures.download.fakes import fast_http, misbehave, partial_files, zip_bytes  # noqa: F401  (fixture)
from ingest.download import DownloadError, run_download
from ingest.download.base import check_zip
from ingest.http import HttpClient, HttpError, Policy, RateLimiter, filename_from_headers, place, redact_url

pytestmark = pytest.mark.usefixtures("fast_http")

@pytest.fixture()
def make_client():
    """HttpClients closed after the test (an open keep-alive connection would hold the server's shutdown)."""
    made: list[HttpClient] = []

    def make(service: str) -> HttpClient:
        made.append(HttpClient(service))
        return made[-1]

    yield make
    for c in made:
        c.close()


BODY = zip_bytes({"a.csv": b"x,y\r\n" + b"1,2\r\n" * 5000})


def ok_json(payload: dict) -> Response:
    return Response(json.dumps(payload), content_type="application/json")


def test_429_honours_retry_after_then_succeeds(httpserver, make_client):
    httpserver.expect_oneshot_request("/list").respond_with_response(misbehave("429", b"", ""))
    httpserver.expect_request("/list").respond_with_response(ok_json({"ok": 1}))
    client = make_client("CAISO")
    started = time.monotonic()
    assert client.get_json(httpserver.url_for("/list")) == {"ok": 1}
    assert time.monotonic() - started >= 0.95, "Retry-After: 1 was not honoured"
    assert len(httpserver.log) == 2


def test_503_then_success_and_503_for_good(httpserver, make_client):
    httpserver.expect_oneshot_request("/a").respond_with_response(misbehave("503", b"", ""))
    httpserver.expect_request("/a").respond_with_response(ok_json({"a": 1}))
    httpserver.expect_request("/down").respond_with_response(misbehave("503", b"", ""))
    client = make_client("PJM")
    assert client.get_json(httpserver.url_for("/a")) == {"a": 1}
    with pytest.raises(HttpError) as err:
        client.get_json(httpserver.url_for("/down"))
    assert err.value.status == 503
    assert len([r for r, _ in httpserver.log if r.path == "/down"]) == 1 + 3  # first try + ISO_DOWNLOAD_RETRIES


def test_download_survives_a_dropped_connection_and_leaves_no_part(httpserver, tmp_path, make_client):
    httpserver.expect_oneshot_request("/f.zip").respond_with_response(misbehave("drop", BODY, "application/zip"))
    httpserver.expect_request("/f.zip").respond_with_data(BODY, content_type="application/zip")
    got = make_client("ERCOT_MIS").download(httpserver.url_for("/f.zip"), tmp_path, name="f.zip", validate=check_zip)
    assert got.path.read_bytes() == BODY and got.bytes == len(BODY)
    assert partial_files(tmp_path) == []
    assert len(httpserver.log) == 2


def test_truncated_zip_and_html_page_are_asked_again_then_reported(httpserver, tmp_path, make_client):
    httpserver.expect_oneshot_request("/g.zip").respond_with_response(misbehave("truncate", BODY, "application/zip"))
    httpserver.expect_oneshot_request("/g.zip").respond_with_response(misbehave("html", BODY, "application/zip"))
    httpserver.expect_request("/g.zip").respond_with_data(BODY, content_type="application/zip")
    httpserver.expect_request("/bad.zip").respond_with_response(misbehave("truncate", BODY, "application/zip"))
    client = make_client("ERCOT_MIS")
    got = client.download(httpserver.url_for("/g.zip"), tmp_path, name="g.zip", validate=check_zip)
    assert zipfile.ZipFile(got.path).testzip() is None
    with pytest.raises(HttpError, match="not a readable zip"):
        client.download(httpserver.url_for("/bad.zip"), tmp_path, name="bad.zip", validate=check_zip)
    assert not (tmp_path / "bad.zip").exists() and partial_files(tmp_path) == []


def test_html_page_instead_of_json_is_retried(httpserver, make_client):
    httpserver.expect_oneshot_request("/j").respond_with_response(misbehave("html", b"", ""))
    httpserver.expect_request("/j").respond_with_response(ok_json({"j": 2}))
    httpserver.expect_request("/never").respond_with_response(misbehave("html", b"", ""))
    client = make_client("ERCOT_MIS")
    assert client.get_json(httpserver.url_for("/j")) == {"j": 2}
    with pytest.raises(HttpError, match="not JSON"):
        client.get_json(httpserver.url_for("/never"))


def test_rate_limit_spaces_requests(httpserver, monkeypatch, make_client):
    monkeypatch.setenv("ISO_DOWNLOAD_MIN_INTERVAL_CAISO", "0.2")
    httpserver.expect_request("/r").respond_with_response(ok_json({}))
    client = make_client("CAISO")
    started = time.monotonic()
    for _ in range(3):
        client.get_json(httpserver.url_for("/r"))
    assert time.monotonic() - started >= 0.39
    assert Policy.for_service("CAISO").min_interval == 0.2
    monkeypatch.delenv("ISO_DOWNLOAD_MIN_INTERVAL_CAISO")
    assert Policy.for_service("CAISO").min_interval == 5.0  # the default: OASIS asks for one request in 5 s
    RateLimiter.for_service("CAISO", 0.0)


class CountingAuth:
    def __init__(self):
        self.token, self.refreshed = "old-token", 0

    def headers(self):
        return {"Authorization": f"Bearer {self.token}", "Ocp-Apim-Subscription-Key": "k-SECRET"}

    def refresh(self):
        self.refreshed += 1
        self.token = "new-token"


def test_401_renews_credentials_once(httpserver, make_client):
    httpserver.expect_request("/p", headers={"Authorization": "Bearer old-token"}).respond_with_response(
        misbehave("401", b"", ""))
    httpserver.expect_request("/p", headers={"Authorization": "Bearer new-token"}).respond_with_response(
        ok_json({"p": 1}))
    auth = CountingAuth()
    assert make_client("ERCOT_API").get_json(httpserver.url_for("/p"), auth=auth) == {"p": 1}
    assert auth.refreshed == 1


def test_credentials_never_follow_a_redirect(httpserver, caplog, make_client):
    caplog.set_level(logging.DEBUG)
    httpserver.expect_request("/moved").respond_with_response(
        Response("", status=302, headers={"Location": "http://127.0.0.2:9/steal"}))
    with pytest.raises(HttpError) as err:
        make_client("PJM").get_json(httpserver.url_for("/moved"), auth=CountingAuth())
    assert err.value.status == 302
    assert "k-SECRET" not in caplog.text and "old-token" not in caplog.text


def test_place_never_overwrites_an_original(tmp_path):
    (tmp_path / "a.zip").write_bytes(b"first")
    (tmp_path / "a.zip.part").write_bytes(b"second")
    other = place(tmp_path / "a.zip.part", tmp_path / "a.zip")
    assert other.name.startswith("a__") and other.read_bytes() == b"second"
    assert (tmp_path / "a.zip").read_bytes() == b"first"
    (tmp_path / "a.zip.part").write_bytes(b"first")
    assert place(tmp_path / "a.zip.part", tmp_path / "a.zip") == tmp_path / "a.zip"
    assert partial_files(tmp_path) == []


def test_redact_url():
    url = "https://x.example/p?subscription-key=abc&token=t&startRow=1&user:pw@"
    shown = redact_url(url)
    assert "abc" not in shown and "=t&" not in shown and "startRow=1" in shown
    assert "pw" not in redact_url("https://user:pw@x.example/a")


def test_a_bad_setting_is_a_clear_error(monkeypatch, tmp_path):
    monkeypatch.setenv("ISO_DOWNLOAD_MIN_INTERVAL_CAISO", "fast")
    with pytest.raises(DownloadError, match="ISO_DOWNLOAD_MIN_INTERVAL_CAISO='fast' is not a number"):
        run_download("CAISO", "DA_prices", dt.date(2024, 10, 21), dt.date(2024, 10, 21), base=tmp_path,
                     progress=False)


def test_one_retry_budget_for_statuses_and_broken_bodies(httpserver, make_client, tmp_path):
    """urllib3's Retry is the one retry mechanism: 503s it retries itself and bodies that break off afterwards draw
    on the same budget, so a call sends at most 1 + ISO_DOWNLOAD_RETRIES (3) requests, whatever the mix (a loop
    around urllib3's retries used to multiply them: up to 4 x 4)."""
    for _ in range(2):
        httpserver.expect_ordered_request("/mix").respond_with_response(misbehave("503", b"", ""))
        httpserver.expect_ordered_request("/mix").respond_with_response(misbehave("drop", BODY, "application/zip"))
    with pytest.raises(HttpError, match="transfer broken") as err:
        make_client("ERCOT_MIS").download(httpserver.url_for("/mix"), tmp_path, name="mix.zip", validate=check_zip)
    assert err.value.kind == "network"
    assert len(httpserver.log) == 4 and partial_files(tmp_path) == []

    httpserver.clear()
    httpserver.expect_ordered_request("/ok").respond_with_response(misbehave("html", b"", ""))
    httpserver.expect_ordered_request("/ok").respond_with_response(misbehave("503", b"", ""))
    httpserver.expect_ordered_request("/ok").respond_with_response(ok_json({"ok": True}))
    assert make_client("PJM").get_json(httpserver.url_for("/ok")) == {"ok": True}
    assert len(httpserver.log) == 3


@pytest.mark.parametrize(("header", "expected"), [
    ('attachment; filename="cdr.00012331.0000000000000000.20241020.123005.DAMSPNP4190_csv.zip"',
     "cdr.00012331.0000000000000000.20241020.123005.DAMSPNP4190_csv.zip"),  # ERCOT
    ("inline; filename=20241021_20241022_PRC_LMP_DAM_v12.zip", "20241021_20241022_PRC_LMP_DAM_v12.zip"),  # OASIS
    ("attachment; filename*=UTF-8''prices%20Oct%C3%A9.zip", "prices_Oct_.zip"),  # RFC 5987, unsafe characters
    ("attachment; filename=\"plain.zip\"; filename*=UTF-8''extended.zip", "extended.zip"),  # RFC 6266: * wins
    ("attachment; filename*=UTF-8''extended.zip; filename=\"plain.zip\"", "extended.zip"),
    ('attachment; filename="a;b.zip"', "a_b.zip"),  # a quoted separator
    ('attachment; FILENAME="../../etc/passwd"', "passwd"),  # never leaves its folder
    ('attachment; filename="..\\\\x.zip"', "x.zip"),
    ("attachment; filename=", None), ("attachment", None), ("", None), (";;=;", None),
])
def test_content_disposition_names(header, expected):
    assert filename_from_headers({"Content-Disposition": header} if header else {}) == expected


def test_a_download_takes_the_rfc5987_name_the_server_suggests(httpserver, tmp_path, make_client):
    httpserver.expect_request("/doc").respond_with_data(
        BODY, content_type="application/zip",
        headers={"Content-Disposition": "attachment; filename=\"fallback.zip\"; filename*=UTF-8''real%20name.zip"})
    got = make_client("ERCOT_MIS").download(httpserver.url_for("/doc"), tmp_path, validate=check_zip)
    assert got.path == tmp_path / "real_name.zip" and got.server_name == "real_name.zip"
    assert got.path.read_bytes() == BODY


@pytest.mark.parametrize(("body", "reason"), [
    (b'{"error": "invalid_grant", "error_description": "AADB2C90225: The username or password are invalid."}',
     "BAD REQUEST: invalid_grant: AADB2C90225: The username or password are invalid."),
    (b'{"statusCode": 400, "message": "Bad\\nrequest \\"x\\""}', 'BAD REQUEST: Bad request "x"'),  # JSON escapes
    (b'{"error": {"code": 7}}', "BAD REQUEST"),  # not a string: only the status
    (b"<html>broken</html>", "BAD REQUEST"),
    (b'{"error": "cut off', "BAD REQUEST"),
    (b"[" * 100_000, "BAD REQUEST"),  # hostile nesting: no RecursionError
])
def test_error_reasons_come_from_the_json_body(httpserver, make_client, body, reason):
    """The JSON error fields (parsed by the json module), else the status text (werkzeug's is upper case)."""
    httpserver.expect_request("/e").respond_with_data(body, status=400, content_type="application/json")
    with pytest.raises(HttpError) as err:
        make_client("PJM").get_json(httpserver.url_for("/e"))
    assert err.value.status == 400 and err.value.reason == reason
