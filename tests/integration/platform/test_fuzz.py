"""Fuzz every operation in docs/openapi.yaml against the running local API (schemathesis + Hypothesis).

Valid and invalid inputs (schemathesis' positive and negative modes), signed in as a demo user and
anonymously. The properties: no input ever produces a 5xx, and every 4xx carries the JSON error
shape ``{"error": {"code", "message"}}``. The operation list is read from the spec, so each tool's
paths are fuzzed as soon as they are documented. Bounded: a few dozen examples per operation, no
shrinking, no example database, and a socket guard proves only 127.0.0.1 is contacted.

Hostile values (issue 15) on top: every operation again with valid requests whose JSON body is
replaced by a deeply nested or huge document, or whose strings become lone surrogates and whose
numbers overflow (hundreds of digits, 1e400), and whose query values become invalid UTF-8 or
overflowing numbers. The same properties hold.
"""

from __future__ import annotations

import json
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode

pytestmark = pytest.mark.integration

SPEC = Path(__file__).resolve().parents[3] / "docs" / "openapi.yaml"
SCHEMA = schemathesis.openapi.from_path(str(SPEC))
OPERATIONS = {op.label: op for op in (result.ok() for result in SCHEMA.get_all_operations())}
SIGNED_IN_EXAMPLES = 20
ANONYMOUS_EXAMPLES = 4


def _settings(max_examples: int) -> settings:
    return settings(max_examples=max_examples, deadline=None, database=None, print_blob=False,
                    phases=[Phase.explicit, Phase.generate], suppress_health_check=list(HealthCheck))


@pytest.fixture
def session() -> Iterator[requests.Session]:
    with requests.Session() as http:
        http.trust_env = False  # no proxies from the environment: the local API only
        yield http


@pytest.fixture
def only_loopback(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[Any]]:
    """Record every outgoing connection and refuse any that is not to 127.0.0.1."""
    seen: list[Any] = []
    real_connect = socket.socket.connect

    def guarded(self: socket.socket, address: Any) -> Any:
        if self.family in (socket.AF_INET, socket.AF_INET6):
            seen.append(address)
            if address[0] not in ("127.0.0.1", "::1", "localhost"):
                raise AssertionError(f"the fuzz test tried to reach {address!r}")
        return real_connect(self, address)

    monkeypatch.setattr(socket.socket, "connect", guarded)
    yield seen


def _check(response: Any, label: str, case: Any) -> None:
    status = response.status_code
    where = f"{label}: {case.method} {case.formatted_path} query={case.query!r} body={case.body!r}"
    assert status < 500, f"{where} → {status} {response.text[:300]}"
    if 400 <= status < 500:
        content_type = [v for k, v in response.headers.items() if k.lower() == "content-type"]
        value = content_type[0] if content_type else ""
        value = value[0] if isinstance(value, list) else value  # schemathesis: lists; requests: str
        assert str(value).startswith("application/json"), where
        if case.method.upper() == "HEAD":  # the same answer as GET, without its body
            assert not response.content, where
            return
        body = json.loads(response.content)
        assert isinstance(body, dict) and set(body) == {"error"}, f"{where} → {body}"
        error = body["error"]
        assert isinstance(error.get("code"), str) and error["code"], f"{where} → {body}"
        assert isinstance(error.get("message"), str) and error["message"], f"{where} → {body}"


def _cases(label: str) -> st.SearchStrategy[Any]:
    operation = OPERATIONS[label]
    return st.one_of(operation.as_strategy(GenerationMode.POSITIVE),
                     operation.as_strategy(GenerationMode.NEGATIVE))


@pytest.mark.parametrize("label", sorted(OPERATIONS))
def test_fuzz_signed_in(label: str, api_url: str, auth_headers: Any, session: requests.Session,
                        only_loopback: list[Any]) -> None:
    headers = auth_headers("E1001")

    @_settings(SIGNED_IN_EXAMPLES)
    @given(case=_cases(label))
    def run(case: Any) -> None:
        _check(case.call(base_url=api_url, session=session, headers=headers, timeout=10), label, case)

    run()
    assert only_loopback, "the fuzz test made no request at all"


@pytest.mark.parametrize("label", sorted(OPERATIONS))
def test_fuzz_anonymous(label: str, api_url: str, session: requests.Session,
                        only_loopback: list[Any]) -> None:
    @_settings(ANONYMOUS_EXAMPLES)
    @given(case=_cases(label))
    def run(case: Any) -> None:
        case.headers = {k: v for k, v in (case.headers or {}).items() if k.lower() != "authorization"}
        _check(case.call(base_url=api_url, session=session, timeout=10), label, case)

    run()


def test_every_documented_operation_is_fuzzed() -> None:
    documented = {(path, method.upper()) for path, item in SCHEMA.raw_schema["paths"].items()
                  for method in item if method in {"get", "put", "post", "delete", "patch", "head"}}
    fuzzed = {(op.path, op.method.upper()) for op in OPERATIONS.values()}
    assert documented == fuzzed and len(fuzzed) >= 5


# -- hostile values --------------------------------------------------------------------------------

NESTED = "[" * 20_000 + "]" * 20_000
HUGE = json.dumps({"text": "가" * 150_000})
SURROGATES = ('"\\ud800"', '"a\\udfffb"', '"\\ud83d"')  # JSON text of lone surrogates
OVERFLOWS = ("1" * 400, "-1e400", "1e400", "123456789012345678901234567890.5e999999")
HOSTILE_QUERY = ("%ED%A0%80", "%FF%FE", "9" * 400, "-1e400", "%00")


def _hostile_body(body: Any, variant: str, pick: int) -> str:
    """The JSON text of ``body`` with every string a lone surrogate and every number an overflow
    (``variant`` "values"), or a document that is too deep or too big."""
    if variant == "nested":
        return NESTED
    if variant == "huge":
        return HUGE
    tokens: dict[str, str] = {}

    def walk(value: Any) -> Any:
        if isinstance(value, dict):
            return {walk(k) if isinstance(k, str) and pick % 3 == 2 else k: walk(v) for k, v in value.items()}
        if isinstance(value, list):
            return [walk(v) for v in value]
        if isinstance(value, bool) or value is None:
            return value
        token = f"@@{len(tokens)}@@"
        tokens[f'"{token}"'] = (SURROGATES[pick % len(SURROGATES)] if isinstance(value, str)
                                else OVERFLOWS[pick % len(OVERFLOWS)])
        return token

    text = json.dumps(walk(body), ensure_ascii=False)
    for token, raw in tokens.items():
        text = text.replace(token, raw)
    return text


def _send_hostile(case: Any, api_url: str, session: requests.Session, headers: dict[str, str],
                  variant: str, pick: int) -> Any:
    query = "&".join(f"{quote(str(k))}={HOSTILE_QUERY[pick % len(HOSTILE_QUERY)]}"
                     for k in (case.query or {}))
    url = api_url + case.formatted_path + (f"?{query}" if query else "")
    all_headers = {**{k: v for k, v in (case.headers or {}).items() if k.lower() != "authorization"},
                   **headers}
    data: bytes | None = None
    if case.body is not None or variant in ("nested", "huge"):
        is_json = (case.media_type or "application/json").endswith("json")
        text = _hostile_body(case.body if is_json else {}, variant, pick)
        data = text.encode("utf-8", "surrogatepass")
        all_headers["Content-Type"] = case.media_type or "application/json"
    return session.request(case.method, url, data=data, headers=all_headers, timeout=20)


@pytest.mark.parametrize("label", sorted(OPERATIONS))
def test_fuzz_hostile_values(label: str, api_url: str, auth_headers: Any, session: requests.Session,
                             only_loopback: list[Any]) -> None:
    signed_in = auth_headers("M9001")  # an admin: every route's body is read, none stops at a 403

    @_settings(6)
    @given(case=OPERATIONS[label].as_strategy(GenerationMode.POSITIVE),
           variant=st.sampled_from(["nested", "huge", "values"]), pick=st.integers(0, 11),
           anonymous=st.booleans())
    def run(case: Any, variant: str, pick: int, anonymous: bool) -> None:
        response = _send_hostile(case, api_url, session, {} if anonymous else signed_in, variant, pick)
        _check(response, f"{label} [{variant}/{pick}]", case)

    run()
    assert only_loopback, "the fuzz test made no request at all"
