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
def _is_origin(value: str) -> bool:
    """'self' or scheme://host[:port] — nothing that could break out of a CSP directive."""
    scheme, sep, host = value.partition("://")
    return value == "'self'" or (scheme in ("http", "https") and bool(sep) and bool(host)
                                 and all(c.isalnum() or c in ".-:" for c in host))


@dataclass(frozen=True)
class CafeteriaSettings:
    table: str
    stream: str
    dead_letter_queue_url: str
    zones_file: str  # the zones configuration (JSON); default: chalicelib/cafeteria/zones.json
    max_record_age_seconds: int  # the event source's MaximumRecordAgeInSeconds; older records are malformed
    widget_origins: tuple[str, ...]  # who may frame /cafeteria/widget (CSP frame-ancestors)
    # Demo only: "real_epoch,simulated_epoch,speed" makes the tool's clock run `speed` times faster
    # from a simulated start, so the lunch curve passes within minutes. Empty in the template.
    clock: tuple[float, float, float] | None
    demo_speed: float  # gdesk up: how much faster the demo clock runs (GDESK_CAFETERIA_DEMO_SPEED)
    demo_start: str  # gdesk up: the simulated local time the demo day starts at (HH:MM)

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> CafeteriaSettings:
        origins = _list(env, "GDESK_CAFETERIA_WIDGET_ORIGINS", "'self'")
        bad = [o for o in origins if not _is_origin(o)]
        if bad:
            raise SettingsError(f"GDESK_CAFETERIA_WIDGET_ORIGINS must be origins (https://host[:port]) "
                                f"or 'self', got {bad}")
        clock_raw = _str(env, "GDESK_CAFETERIA_CLOCK")
        clock = None
        if clock_raw:
            try:
                real, simulated, speed = (float(part) for part in clock_raw.split(","))
            except ValueError as exc:
                raise SettingsError("GDESK_CAFETERIA_CLOCK must be real_epoch,simulated_epoch,speed") from exc
            clock = (real, simulated, speed)
        return cls(
            table=_str(env, "GDESK_CAFETERIA_TABLE", "gdesk-cafeteria"),
            stream=_str(env, "GDESK_DENSITY_STREAM", "gdesk-density"),
            dead_letter_queue_url=_str(env, "GDESK_DENSITY_DLQ_URL"),
            zones_file=_str(env, "GDESK_CAFETERIA_ZONES_FILE"),
            max_record_age_seconds=_int(env, "GDESK_DENSITY_MAX_AGE_SECONDS", 3600),
            widget_origins=origins,
            clock=clock,
            demo_speed=float(_int(env, "GDESK_CAFETERIA_DEMO_SPEED", 12)),
            demo_start=_str(env, "GDESK_CAFETERIA_DEMO_START", "11:20"),
        )


# <<< cafeteria settings


# >>> briefing settings
@dataclass(frozen=True)
class BriefingSettings:
    table: str
    bucket: str
    crawl_allow_loopback: bool

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> BriefingSettings:
        return cls(
            table=_str(env, "GDESK_BRIEFING_TABLE", "gdesk-briefing"),
            bucket=_str(env, "GDESK_BRIEFING_BUCKET", "gdesk-briefing"),
            crawl_allow_loopback=_bool(env, "GDESK_CRAWL_ALLOW_LOOPBACK"),
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
