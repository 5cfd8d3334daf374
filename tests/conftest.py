"""Shared fixtures: the local cloud (moto server over HTTP, or AWS_ENDPOINT_URL if set), the
template's resources on it, the app served over real HTTP, tokens, and the Lambda runtime that
drives the template's event sources in real AWS event shapes.

Everything is session-scoped and built lazily: unit tests never start it.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Callable, Iterator
from typing import Any

import pytest


@pytest.fixture(scope="session")
def local_cloud(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    from infra.local.cloud import LocalCloud
    from infra.local.moto_server import free_port

    endpoint = os.environ.get("AWS_ENDPOINT_URL", "")
    cloud = LocalCloud(
        home=str(tmp_path_factory.mktemp("gdesk-home")),
        endpoint_url=endpoint,
        aws_port=0,  # the OS picks it when moto binds: no race with other sessions
        api_port=free_port(),
        # On a shared endpoint (LocalStack, AWS) every session gets its own resource names.
        stack_name=f"gdesk-t{secrets.token_hex(3)}" if endpoint else "gdesk-test",
    )
    try:
        cloud.start_endpoint()
        cloud.create_resources()
        cloud.start_api()
        yield cloud
    finally:
        cloud.stop()


@pytest.fixture(scope="session")
def aws_endpoint(local_cloud: Any) -> str:
    return str(local_cloud.endpoint_url)


@pytest.fixture(scope="session")
def stack(local_cloud: Any) -> Any:
    return local_cloud.stack


@pytest.fixture(scope="session")
def api_url(local_cloud: Any) -> str:
    return str(local_cloud.api_url)


@pytest.fixture(scope="session")
def runtime(local_cloud: Any) -> Any:
    return local_cloud.runtime


@pytest.fixture(scope="session")
def token(local_cloud: Any) -> Callable[..., str]:
    """``token("E1001")`` → a bearer token of a demo user from the dev issuer."""
    from chalicelib import devissuer

    def make(user_id: str, **claims: Any) -> str:
        return devissuer.issue_token(local_cloud.home, user_id, **claims)

    return make


@pytest.fixture(scope="session")
def auth_headers(token: Callable[..., str]) -> Callable[..., dict[str, str]]:
    def make(user_id: str, **claims: Any) -> dict[str, str]:
        return {"Authorization": f"Bearer {token(user_id, **claims)}"}

    return make
