"""All configuration, read once from the environment into frozen objects.

This is the only module that reads ``os.environ``. Each tool has its own section class so that
its settings live together; ``get_settings()`` builds them all once and caches the result.
Tests that change the environment call ``get_settings.cache_clear()``.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache


class SettingsError(ValueError):
    """A configuration value is missing or malformed (raised at start-up, never per request)."""


def _bool(env: Mapping[str, str], name: str, default: bool = False) -> bool:
    raw = env.get(name)
    if raw is None or raw == "":
        return default
    if raw.lower() in {"1", "true", "yes", "on"}:
        return True
    if raw.lower() in {"0", "false", "no", "off"}:
        return False
    raise SettingsError(f"{name} must be a boolean (1/0, true/false), got {raw!r}")


def _int(env: Mapping[str, str], name: str, default: int) -> int:
    raw = env.get(name)
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError as exc:
        raise SettingsError(f"{name} must be an integer, got {raw!r}") from exc


def _str(env: Mapping[str, str], name: str, default: str = "") -> str:
    return env.get(name, default) or default


def _list(env: Mapping[str, str], name: str, default: str) -> tuple[str, ...]:
    return tuple(part.strip() for part in _str(env, name, default).split(",") if part.strip())


@dataclass(frozen=True)
class AuthSettings:
    issuer: str
    audience: str
    jwks_url: str
    algorithms: tuple[str, ...]
    jwks_cache_seconds: int
    dev_issuer: bool  # the local cloud's own issuer and login page; never on in the deployed template

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> AuthSettings:
        algorithms = _list(env, "GDESK_JWT_ALGORITHMS", "ES256,RS256")
        bad = [a for a in algorithms if a not in {"ES256", "RS256"}]
        if bad:
            raise SettingsError(f"GDESK_JWT_ALGORITHMS allows only ES256 and RS256, got {bad}")
        return cls(
            issuer=_str(env, "GDESK_OIDC_ISSUER"),
            audience=_str(env, "GDESK_OIDC_AUDIENCE", "gdesk"),
            jwks_url=_str(env, "GDESK_OIDC_JWKS_URL"),
            algorithms=algorithms,
            jwks_cache_seconds=_int(env, "GDESK_JWKS_CACHE_SECONDS", 3600),
            dev_issuer=_bool(env, "GDESK_DEV_ISSUER"),
        )


# >>> trips settings
@dataclass(frozen=True)
class TripsSettings:
    table: str
    idempotency_table: str
    signing_key_alias: str
    data_key_alias: str

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> TripsSettings:
        return cls(
            table=_str(env, "GDESK_TRIPS_TABLE", "gdesk-trips"),
            idempotency_table=_str(env, "GDESK_IDEMPOTENCY_TABLE", "gdesk-idempotency"),
            signing_key_alias=_str(env, "GDESK_PROOF_SIGNING_KEY", "alias/gdesk-proof-signing"),
            data_key_alias=_str(env, "GDESK_PROOF_DATA_KEY", "alias/gdesk-proof-data"),
        )


# <<< trips settings


# >>> photos settings
@dataclass(frozen=True)
class PhotosSettings:
    table: str
    bucket: str

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> PhotosSettings:
        return cls(
            table=_str(env, "GDESK_PHOTOS_TABLE", "gdesk-photos"),
            bucket=_str(env, "GDESK_PHOTOS_BUCKET", "gdesk-photos"),
        )


# <<< photos settings


# >>> cafeteria settings
@dataclass(frozen=True)
class CafeteriaSettings:
    table: str
    stream: str
    dead_letter_queue_url: str

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> CafeteriaSettings:
        return cls(
            table=_str(env, "GDESK_CAFETERIA_TABLE", "gdesk-cafeteria"),
            stream=_str(env, "GDESK_DENSITY_STREAM", "gdesk-density"),
            dead_letter_queue_url=_str(env, "GDESK_DENSITY_DLQ_URL"),
        )


# <<< cafeteria settings


# >>> briefing settings
@dataclass(frozen=True)
class BriefingNotifySettings:
    """The notifier half: queue, channel secrets, senders, retry pacing."""

    queue_url: str
    secret_prefix: str  # per-user channel secrets: <prefix><user_id>
    naverworks_secret: str  # the organisation's NAVER WORKS bot credentials (id or ARN)
    naverworks_api_url: str
    naverworks_token_url: str
    mail_from: str  # a verified SES identity
    allow_loopback: bool  # channel URLs on 127.0.0.1 (local demo and tests only)
    retry_base_seconds: int  # first retry after this; doubles per receive (SQS visibility)
    send_timeout_seconds: int
    default_hourly_cap: int

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> BriefingNotifySettings:
        return cls(
            queue_url=_str(env, "GDESK_NOTIFY_QUEUE_URL"),
            secret_prefix=_str(env, "GDESK_NOTIFY_SECRET_PREFIX", "gdesk/briefing/channels/"),
            naverworks_secret=_str(env, "GDESK_NAVERWORKS_SECRET"),
            naverworks_api_url=_str(env, "GDESK_NAVERWORKS_API_URL",
                                    "https://www.worksapis.com/v1.0").rstrip("/"),
            naverworks_token_url=_str(env, "GDESK_NAVERWORKS_TOKEN_URL",
                                      "https://auth.worksmobile.com/oauth2/v2.0/token"),
            mail_from=_str(env, "GDESK_NOTIFY_MAIL_FROM", "briefing@gdesk.example.go.kr"),
            allow_loopback=_bool(env, "GDESK_NOTIFY_ALLOW_LOOPBACK"),
            retry_base_seconds=_int(env, "GDESK_NOTIFY_RETRY_BASE_SECONDS", 30),
            send_timeout_seconds=_int(env, "GDESK_NOTIFY_SEND_TIMEOUT_SECONDS", 5),
            default_hourly_cap=_int(env, "GDESK_NOTIFY_HOURLY_CAP", 5),
        )


_NOTIFY_DEFAULTS = BriefingNotifySettings.from_env({})


@dataclass(frozen=True)
class BriefingSettings:
    table: str
    bucket: str
    crawl_allow_loopback: bool
    notify: BriefingNotifySettings = _NOTIFY_DEFAULTS  # a default, so field order never matters

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> BriefingSettings:
        return cls(
            table=_str(env, "GDESK_BRIEFING_TABLE", "gdesk-briefing"),
            bucket=_str(env, "GDESK_BRIEFING_BUCKET", "gdesk-briefing"),
            crawl_allow_loopback=_bool(env, "GDESK_CRAWL_ALLOW_LOOPBACK"),
            notify=BriefingNotifySettings.from_env(env),
        )


# <<< briefing settings


@dataclass(frozen=True)
class Settings:
    stage: str
    region: str
    public_url: str  # where users reach the app: QR verify links and pairing links point here
    log_level: str
    tracing: bool
    home: str  # local state of the local cloud and CLI (dev issuer key, demo data); not used in AWS
    aws_endpoint_url: str  # read by boto3 itself; exposed only so the CLI can check it answers
    auth: AuthSettings
    trips: TripsSettings
    photos: PhotosSettings
    cafeteria: CafeteriaSettings
    briefing: BriefingSettings

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> Settings:
        return cls(
            stage=_str(env, "GDESK_STAGE", "local"),
            region=_str(env, "AWS_REGION", _str(env, "AWS_DEFAULT_REGION", "ap-northeast-2")),
            public_url=_str(env, "GDESK_PUBLIC_URL", "http://127.0.0.1:8000").rstrip("/"),
            log_level=_str(env, "POWERTOOLS_LOG_LEVEL", "INFO"),
            tracing=_bool(env, "GDESK_TRACING"),
            home=_str(env, "GDESK_HOME", os.path.join(os.getcwd(), ".gdesk")),
            aws_endpoint_url=_str(env, "AWS_ENDPOINT_URL"),
            auth=AuthSettings.from_env(env),
            trips=TripsSettings.from_env(env),
            photos=PhotosSettings.from_env(env),
            cafeteria=CafeteriaSettings.from_env(env),
            briefing=BriefingSettings.from_env(env),
        )


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings.from_env(os.environ)
