"""Trips integration helpers: an HTTP session to the local API, trips and proofs made through it."""

from __future__ import annotations

import secrets
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import requests

from chalicelib.clock import KST

GYEONGNAM_OFFICE = (35.2383, 128.6925)


@pytest.fixture
def http() -> Iterator[requests.Session]:
    with requests.Session() as session:
        session.trust_env = False
        yield session


def now_kst() -> datetime:
    return datetime.now(UTC).astimezone(KST)


@pytest.fixture
def make_trip(api_url: str, http: requests.Session, auth_headers: Callable[..., dict[str, str]]
              ) -> Callable[..., dict[str, Any]]:
    def make(user: str = "E1001", **overrides: Any) -> dict[str, Any]:
        start = now_kst() - timedelta(hours=2)
        body = {"destination": "경상남도청", "address": "창원시 의창구 중앙대로 300",
                "lat": GYEONGNAM_OFFICE[0], "lon": GYEONGNAM_OFFICE[1], "radius_m": 300,
                "start": start.isoformat(), "end": (start + timedelta(hours=8)).isoformat(),
                "purpose": "도로 정비 현장 점검", **overrides}
        response = http.post(f"{api_url}/trips", json=body, headers=auth_headers(user))
        assert response.status_code == 201, response.text
        return response.json()

    return make


@pytest.fixture
def consent(api_url: str, http: requests.Session, auth_headers: Callable[..., dict[str, str]]
            ) -> Callable[[str], None]:
    def give(user: str) -> None:
        version = http.get(f"{api_url}/trips", headers=auth_headers(user)).json()["consent_version"]
        response = http.post(f"{api_url}/trips/consent", json={"version": version, "agree": True},
                             headers=auth_headers(user))
        assert response.status_code == 200, response.text

    return give


def fix_body(lat: float = 35.2386, lon: float = 128.6929, accuracy: float = 12.0, **extra: Any
             ) -> dict[str, Any]:
    return {"lat": lat, "lon": lon, "accuracy_m": accuracy, "captured_at": datetime.now(UTC).isoformat(),
            "nonce": secrets.token_urlsafe(12), **extra}


@pytest.fixture
def prove(api_url: str, http: requests.Session, auth_headers: Callable[..., dict[str, str]]
          ) -> Callable[..., requests.Response]:
    def post(trip_id: str, user: str = "E1001", **fix: Any) -> requests.Response:
        body = fix.pop("body", None) or fix_body(**fix)
        return http.post(f"{api_url}/trips/{trip_id}/proofs", json=body, headers=auth_headers(user))

    return post


@pytest.fixture
def fix() -> Callable[..., dict[str, Any]]:
    return fix_body


TRIPS_RESOURCES = ("TripsTable", "IdempotencyTable", "ProofSigningKey", "ProofSigningKeyAlias",
                   "ProofDataKey", "ProofDataKeyAlias")


@pytest.fixture
def private_stack(aws_endpoint: str) -> Any:
    """The trips resources of template.yaml as a stack of their own on the local cloud, so a test
    may rotate keys or sweep TTLs without touching the stack the other tests share."""
    import boto3

    from infra.local.bootstrap import bootstrap
    from infra.local.runtime import LambdaRuntime
    from infra.local.template import Stack, load

    template = load()
    mini = {"Parameters": template.get("Parameters", {}),
            "Resources": {k: template["Resources"][k] for k in TRIPS_RESOURCES}}
    stack = Stack(mini, name=f"gdesk-t{secrets.token_hex(3)}", region="ap-northeast-2")
    session = boto3.session.Session(region_name="ap-northeast-2")
    bootstrap(stack, lambda service: session.client(service))
    return stack, LambdaRuntime(stack, lambda service: session.client(service))


@pytest.fixture
def private_store(private_stack: Any) -> Any:
    from chalicelib.settings import TripsSettings
    from chalicelib.trips.store import TripsStore

    stack, _ = private_stack
    settings = TripsSettings(
        table=stack.physical["TripsTable"], idempotency_table=stack.physical["IdempotencyTable"],
        signing_key_alias=stack.physical["ProofSigningKeyAlias"],
        data_key_alias=stack.physical["ProofDataKeyAlias"], issuer="gdesk", position_retention_days=90,
        proof_retention_days=1825, accuracy_limit_m=100, double_tap_seconds=60)
    return TripsStore(settings)  # its own key caches: a container of its own
