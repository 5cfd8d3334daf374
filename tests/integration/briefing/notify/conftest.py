"""Fixtures of the notifier's integration tests: settings for loopback receivers and immediate
retries, a store on the local cloud, a fresh user per test, real webhook receivers."""

from __future__ import annotations

import secrets
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from tests.integration.briefing.notify.receivers import Receiver


@pytest.fixture
def notify_env(local_cloud: Any, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    from chalicelib.settings import get_settings

    monkeypatch.setenv("GDESK_NOTIFY_ALLOW_LOOPBACK", "1")
    monkeypatch.setenv("GDESK_NOTIFY_RETRY_BASE_SECONDS", "0")
    get_settings.cache_clear()
    yield
    monkeypatch.undo()
    get_settings.cache_clear()


@pytest.fixture
def store(notify_env: None) -> Any:
    from chalicelib.briefing.notifying.store import BriefingStore

    return BriefingStore()


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    server = Receiver().start()
    yield server
    server.stop()


@pytest.fixture
def new_user(store: Any) -> Iterator[Callable[..., Any]]:
    """``new_user(**profile fields)`` → a saved profile of a fresh user; disabled afterwards so
    later tests' rounds do not match (and notify) it."""
    from dataclasses import replace

    from chalicelib.briefing.notifying.profiles import Profile

    made: list[Any] = []

    def make(**fields: Any) -> Any:
        fields.setdefault("quiet_start", "00:00")
        fields.setdefault("quiet_end", "00:00")  # no quiet hours unless a test wants them
        profile = store.put_profile(Profile(user_id="T" + secrets.token_hex(4), **fields), 0)
        made.append(profile)
        return profile

    yield make
    for profile in made:
        current = store.get_profile(profile.user_id)
        store.put_profile(replace(current, enabled=False), current.version)


@pytest.fixture
def drain(runtime: Any) -> Callable[..., int]:
    """Drive the NotifierFunction's queue ``rounds`` times; returns the messages completed."""

    def run(rounds: int = 1) -> int:
        return sum(runtime.drive_sqs_once("NotifierFunction") for _ in range(rounds))

    return run
