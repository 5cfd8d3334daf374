"""Hostile input and faults through the local API server over real HTTP (issue 15): generated links
ignore a forged Host, a CP949 HR export travels as text/csv, nested JSON is a JSON 400, and the
server itself answers bad framing (Content-Length, huge headers) in JSON and takes 50 concurrent
clients without a reset, each request handled with its own ``current_request``."""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

import pytest
import requests

from chalicelib.trips.verdict import KST

pytestmark = pytest.mark.integration

JSON = {"Content-Type": "application/json"}
FORGED = {"Host": "evil.example", "X-Forwarded-Proto": "javascript"}


@pytest.fixture
def http() -> Any:
    with requests.Session() as session:
        session.trust_env = False
        yield session


def _raw(api_url: str, request: bytes, timeout: float = 5.0) -> tuple[int, dict[str, str], bytes]:
    """Send raw bytes, read one HTTP response (status, headers, body)."""
    parts = urlsplit(api_url)
    with socket.create_connection((parts.hostname, parts.port), timeout=timeout) as sock:
        sock.sendall(request)
        data = b""
        while b"\r\n\r\n" not in data:
            chunk = sock.recv(65536)
            if not chunk:
                break
            data += chunk
        head, _, body = data.partition(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        headers = {k.strip().lower(): v.strip() for k, _, v in (line.partition(":") for line in lines[1:])}
        length = int(headers.get("content-length", "0"))
        while len(body) < length:
            chunk = sock.recv(65536)
            if not chunk:
                break
            body += chunk
        return int(lines[0].split()[1]), headers, body


def _json_error(status: int, headers: dict[str, str], body: bytes) -> dict[str, Any]:
    assert 400 <= status < 500, (status, body[:200])
    assert headers.get("content-type", "").startswith("application/json"), headers
    document = json.loads(body)
    assert set(document) == {"error"} and document["error"]["code"] and document["error"]["message"]
    return dict(document["error"])


# -- 4: generated links ------------------------------------------------------------------------------


def test_a_forged_host_never_reaches_the_pairing_link(api_url: str, http: requests.Session,
                                                      auth_headers: Callable[..., dict[str, str]]) -> None:
    headers = {**auth_headers("E1001"), **FORGED}
    response = http.post(f"{api_url}/photos/pairings", headers=headers, timeout=10)
    assert response.status_code == 201, response.text
    assert response.json()["link"].startswith(f"{api_url}/photo#pair=")


# -- 9, 11: JSON at the edge, over HTTP ---------------------------------------------------------------


@pytest.mark.parametrize("path", ["/proofs/verify", "/dev/login", "/photos/pairings/claim", "/trips"])
def test_nested_and_surrogate_json_over_http(api_url: str, http: requests.Session, path: str) -> None:
    for body, code in ((b"[" * 20_000, "json_too_deep"), (b'{"token": "\\ud800"}', "invalid_unicode")):
        response = http.post(api_url + path, data=body, headers=JSON, timeout=10)
        assert response.status_code == 400, (path, response.text[:200])
        assert response.json()["error"]["code"] == code


def test_a_long_static_name_is_404(api_url: str, http: requests.Session) -> None:
    response = http.get(f"{api_url}/static/{'a' * 5000}.js", timeout=10)
    assert response.status_code == 404 and response.json()["error"]["code"] == "not_found"


# -- 14: CSV uploads are binary ----------------------------------------------------------------------


def test_a_cp949_hr_export_sent_as_text_csv_imports(api_url: str, http: requests.Session,
                                                    auth_headers: Callable[..., dict[str, str]]) -> None:
    day = (datetime.now(UTC).astimezone(KST) + timedelta(days=4)).strftime("%Y-%m-%d")
    text = ("사번,성명,부서,출장지,주소,위도,경도,시작,종료,출장목적\n"
            f"E1002,이서연,복지정책과,거제시청,거제시 계룡로 125,34.8806,128.6211,{day} 09:00,{day} 18:00,"
            "복지 현장 점검\n")
    for content_type in ("text/csv", "text/csv; charset=euc-kr", "application/vnd.ms-excel"):
        response = http.post(f"{api_url}/admin/trips/import?dry_run=1", data=text.encode("cp949"),
                             headers={**auth_headers("M9001"), "Content-Type": content_type}, timeout=10)
        assert response.status_code == 200, (content_type, response.text)
        assert response.json()["valid_rows"] == 1 and not response.json()["errors"]


# -- 20: the local API server ------------------------------------------------------------------------


@pytest.mark.parametrize("length", [b"abc", b"-1", b"1e3", b"99999999999999999999", b"5, 7"])
def test_a_bad_content_length_is_a_json_400(api_url: str, length: bytes) -> None:
    started = time.monotonic()
    status, headers, body = _raw(api_url, b"POST /proofs/verify HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                                          b"Content-Type: application/json\r\nContent-Length: " + length +
                                          b"\r\n\r\n{}")
    assert status in (400, 413)
    _json_error(status, headers, body)
    assert time.monotonic() - started < 3  # answered at once, not when the client gives up


def test_huge_headers_are_a_json_431(api_url: str) -> None:
    many = b"".join(b"X-Filler-%d: %s\r\n" % (i, b"y" * 100) for i in range(200))
    status, headers, body = _raw(api_url, b"GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n" + many + b"\r\n")
    assert status == 431
    _json_error(status, headers, body)
    status, headers, body = _raw(api_url, b"GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Big: " +
                                 b"z" * 70_000 + b"\r\n\r\n")
    assert status == 431
    _json_error(status, headers, body)


def test_fifty_concurrent_clients_are_not_reset(api_url: str) -> None:
    """50 clients open their connections at the same instant (a burst of double taps)."""
    parts = urlsplit(api_url)
    barrier = threading.Barrier(50)
    failures: list[str] = []
    statuses: list[int] = []

    def client() -> None:
        try:
            barrier.wait(timeout=10)
            for _ in range(3):
                with socket.create_connection((parts.hostname, parts.port), timeout=20) as sock:
                    sock.sendall(b"GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
                    data = b""
                    while chunk := sock.recv(65536):
                        data += chunk
                statuses.append(int(data.split()[1]))
        except OSError as exc:
            failures.append(repr(exc))

    threads = [threading.Thread(target=client) for _ in range(50)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert not failures, failures[:5]
    assert statuses == [200] * 150


def test_the_listen_backlog_takes_a_burst(api_url: str) -> None:
    """The kernel's accept queue of the API port (``ss`` shows the backlog as Send-Q of a listening
    socket): the stdlib default of 5 overflowed under 50 concurrent clients."""
    import shutil
    import subprocess

    ss = shutil.which("ss")
    assert ss, "ss (iproute2) is needed to read the listen backlog"
    port = urlsplit(api_url).port
    out = subprocess.run([ss, "-ltnH", f"sport = :{port}"], capture_output=True, text=True, check=True).stdout
    backlogs = [int(line.split()[2]) for line in out.splitlines() if line.strip()]
    assert backlogs and min(backlogs) >= 128, out


def test_concurrent_requests_each_see_their_own_request_in_the_local_server() -> None:
    """Chalice keeps the current request on the app; the local server's threads must not share it."""
    from chalice import Blueprint, Chalice

    from infra.local.server import LocalApiServer

    app = Chalice(app_name="two-at-once")
    bp = Blueprint(__name__)
    both_inside = threading.Barrier(2, timeout=10)

    @bp.route("/echo", methods=["POST"])
    def echo() -> dict[str, Any]:
        both_inside.wait()  # the other request has been dispatched too
        return {"body": bp.current_request.json_body, "context": bp.lambda_context is not None}

    app.register_blueprint(bp)
    server = LocalApiServer(app, port=0).start()
    try:
        answers: dict[str, Any] = {}

        def post(name: str) -> None:
            answers[name] = requests.post(f"{server.url}/echo", json={"who": name}, timeout=20).json()

        threads = [threading.Thread(target=post, args=(name,)) for name in ("a", "b")]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    finally:
        server.stop()
    assert answers == {"a": {"body": {"who": "a"}, "context": True},
                       "b": {"body": {"who": "b"}, "context": True}}
