"""Interest profiles and their delivery channels: parsing, validation, the public (masked) view.

A profile says what an employee cares about (department, duties, keywords, exclusions, followed
agencies), where alerts go (channels) and when (quiet hours, hourly cap). Channel secrets — the
HMAC key of a generic webhook, the URL of a Slack-compatible or Dooray hook (whoever has the URL
can post) — never live in the profile: they go to Secrets Manager, and the API shows only a hint.

Pure: no boto3. ``parse_profile`` raises ``InvalidField`` naming the bad field.
"""

from __future__ import annotations

import ipaddress
import re
import secrets as _secrets
from dataclasses import dataclass, field, replace
from typing import Any
from urllib.parse import urlsplit

from chalicelib.briefing.matching import Interest
from chalicelib.errors import InvalidField
from chalicelib.validation import field_bool, field_int, field_str, field_str_list

CHANNEL_TYPES = ("webhook", "slack", "dooray", "naverworks", "email")
SECRET_URL_TYPES = ("slack", "dooray")  # the URL itself is the credential
MAX_CHANNELS = 5
DEFAULT_QUIET = ("19:00", "08:00")
_HHMM = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)$")
_EMAIL = re.compile(r"^[^@\s]{1,64}@[A-Za-z0-9.-]{1,253}\.[A-Za-z]{2,}$")
_WORKS_ID = re.compile(r"^[A-Za-z0-9@._-]{1,128}$")


@dataclass(frozen=True)
class Channel:
    id: str
    type: str
    enabled: bool = True
    url: str = ""  # webhook only (not secret); slack/dooray URLs are secrets
    url_hint: str = ""  # slack/dooray: scheme://host/…last4, to recognise the hook
    address: str = ""  # email
    recipient: str = ""  # naverworks: "user:<id>" or "channel:<id>"
    has_secret: bool = False

    def to_record(self) -> dict[str, Any]:
        return {k: v for k, v in self.__dict__.items() if v not in ("", None)}

    @classmethod
    def from_record(cls, data: dict[str, Any]) -> Channel:
        return cls(**{k: data[k] for k in cls.__dataclass_fields__ if k in data})

    def public(self) -> dict[str, Any]:
        out: dict[str, Any] = {"id": self.id, "type": self.type, "enabled": self.enabled}
        if self.type == "webhook":
            out.update(url=self.url, secret_set=self.has_secret)
        elif self.type in SECRET_URL_TYPES:
            out.update(url_hint=self.url_hint, url_set=self.has_secret)
        elif self.type == "email":
            out["address"] = self.address
        elif self.type == "naverworks":
            out["recipient"] = self.recipient
        return out


@dataclass(frozen=True)
class Profile:
    user_id: str
    department: str = ""
    duties: str = ""
    keywords: tuple[str, ...] = ()
    exclusions: tuple[str, ...] = ()
    agencies: tuple[str, ...] = ()
    channels: tuple[Channel, ...] = ()
    quiet_start: str = DEFAULT_QUIET[0]
    quiet_end: str = DEFAULT_QUIET[1]
    hourly_cap: int = 5
    enabled: bool = True
    term_weights: dict[str, float] = field(default_factory=dict)
    version: int = 0
    updated_at: str = ""

    def interest(self) -> Interest:
        return Interest(self.department, self.duties, self.keywords, self.exclusions, self.agencies,
                        self.term_weights)

    def to_record(self) -> dict[str, Any]:
        return {
            "user_id": self.user_id, "department": self.department, "duties": self.duties,
            "keywords": list(self.keywords), "exclusions": list(self.exclusions),
            "agencies": list(self.agencies), "channels": [c.to_record() for c in self.channels],
            "quiet_start": self.quiet_start, "quiet_end": self.quiet_end,
            "hourly_cap": self.hourly_cap, "enabled": self.enabled,
            "term_weights": {k: str(v) for k, v in self.term_weights.items()},
            "version": self.version, "updated_at": self.updated_at,
        }

    @classmethod
    def from_record(cls, data: dict[str, Any]) -> Profile:
        return cls(
            user_id=str(data["user_id"]), department=str(data.get("department", "")),
            duties=str(data.get("duties", "")), keywords=tuple(data.get("keywords") or ()),
            exclusions=tuple(data.get("exclusions") or ()), agencies=tuple(data.get("agencies") or ()),
            channels=tuple(Channel.from_record(c) for c in data.get("channels") or ()),
            quiet_start=str(data.get("quiet_start", DEFAULT_QUIET[0])),
            quiet_end=str(data.get("quiet_end", DEFAULT_QUIET[1])),
            hourly_cap=int(data.get("hourly_cap", 5)), enabled=bool(data.get("enabled", True)),
            term_weights={k: float(v) for k, v in (data.get("term_weights") or {}).items()},
            version=int(data.get("version", 0)), updated_at=str(data.get("updated_at", "")),
        )

    def public(self) -> dict[str, Any]:
        """What GET /briefing/profile returns: everything but secrets (and learned weights as a
        short summary, so a person can see what feedback changed)."""
        learned = sorted(self.term_weights.items(), key=lambda kv: -abs(kv[1] - 1))[:20]
        return {
            "user_id": self.user_id, "department": self.department, "duties": self.duties,
            "keywords": list(self.keywords), "exclusions": list(self.exclusions),
            "agencies": list(self.agencies), "channels": [c.public() for c in self.channels],
            "quiet_hours": {"start": self.quiet_start, "end": self.quiet_end},
            "hourly_cap": self.hourly_cap, "enabled": self.enabled,
            "learned_weights": [{"term": k, "weight": round(v, 3)} for k, v in learned],
            "updated_at": self.updated_at or None,
        }


def default_profile(user_id: str, department: str, hourly_cap: int = 5) -> Profile:
    return Profile(user_id=user_id, department=department, hourly_cap=hourly_cap)


def url_problem(url: str, *, allow_loopback: bool) -> str | None:
    """Why a channel URL is not acceptable (None: fine). HTTPS only; a literal private, link-local
    or metadata address is refused here, and the sender re-checks the resolved address."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return "URL 형식이 올바르지 않습니다."
    host = parts.hostname or ""
    if not host or parts.username or parts.password:
        return "URL 형식이 올바르지 않습니다."
    try:
        parts.port  # noqa: B018 - raises on a bad port
    except ValueError:
        return "포트 번호가 올바르지 않습니다."
    loopback = host == "localhost" or _is_loopback_literal(host)
    if loopback:
        if not allow_loopback:
            return "로컬 주소로는 보낼 수 없습니다."
        return None if parts.scheme in ("http", "https") else "http(s) URL이어야 합니다."
    if parts.scheme != "https":
        return "https URL이어야 합니다."
    try:
        address = ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return None
    if not address.is_global:
        return "사설·링크로컬·메타데이터 주소로는 보낼 수 없습니다."
    return None


def _is_loopback_literal(host: str) -> bool:
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def url_hint(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}/…{url[-4:]}"


def parse_profile(body: dict[str, Any], current: Profile, current_secrets: dict[str, dict[str, str]],
                  *, allow_loopback: bool, max_cap: int = 60
                  ) -> tuple[Profile, dict[str, dict[str, str]]]:
    """The profile a PUT body describes, and the channel secrets to store (channel id → secret
    fields). Fields left out keep their current values; a channel sent back with its ``id`` and
    without its secret keeps the stored secret."""
    department = field_str(body, "department", required=False, default=current.department, max_len=100)
    duties = field_str(body, "duties", required=False, default=current.duties, max_len=2000)
    keywords = _terms(body, "keywords", current.keywords)
    exclusions = _terms(body, "exclusions", current.exclusions)
    agencies = _terms(body, "agencies", current.agencies)
    enabled = field_bool(body, "enabled", required=False, default=current.enabled)
    cap = field_int(body, "hourly_cap", required=False, default=current.hourly_cap, minimum=1,
                    maximum=max_cap)
    quiet_start, quiet_end = _quiet_hours(body, current)
    channels, new_secrets = current.channels, current_secrets
    if "channels" in body:
        channels, new_secrets = _channels(body["channels"], current, current_secrets,
                                          allow_loopback=allow_loopback)
    profile = replace(current, department=department or "", duties=duties or "", keywords=keywords,
                      exclusions=exclusions, agencies=agencies, enabled=bool(enabled),
                      hourly_cap=int(cap or current.hourly_cap), quiet_start=quiet_start,
                      quiet_end=quiet_end, channels=channels)
    return profile, new_secrets


def _terms(body: dict[str, Any], name: str, current: tuple[str, ...]) -> tuple[str, ...]:
    values = field_str_list(body, name, required=False, max_items=30, max_len=50)
    if values is None:
        return current
    seen: list[str] = []
    for value in values:
        value = " ".join(value.split())
        if value not in seen:
            seen.append(value)
    return tuple(seen)


def _quiet_hours(body: dict[str, Any], current: Profile) -> tuple[str, str]:
    quiet = body.get("quiet_hours")
    if quiet is None:
        return current.quiet_start, current.quiet_end
    if not isinstance(quiet, dict):
        raise InvalidField("quiet_hours", "'quiet_hours' 는 {start, end} 객체여야 합니다.")
    out = []
    for key in ("start", "end"):
        value = quiet.get(key)
        if not isinstance(value, str) or not _HHMM.match(value):
            raise InvalidField(f"quiet_hours.{key}", f"'quiet_hours.{key}' 는 HH:MM 형식이어야 합니다.")
        out.append(value)
    return out[0], out[1]


def _channels(raw: Any, current: Profile, current_secrets: dict[str, dict[str, str]], *,
              allow_loopback: bool) -> tuple[tuple[Channel, ...], dict[str, dict[str, str]]]:
    if not isinstance(raw, list) or len(raw) > MAX_CHANNELS:
        raise InvalidField("channels", f"'channels' 는 최대 {MAX_CHANNELS}개의 목록이어야 합니다.")
    existing = {c.id: c for c in current.channels}
    channels: list[Channel] = []
    secrets_out: dict[str, dict[str, str]] = {}
    for index, spec in enumerate(raw):
        name = f"channels[{index}]"
        if not isinstance(spec, dict):
            raise InvalidField(name, f"'{name}' 는 객체여야 합니다.")
        kind = spec.get("type")
        if kind not in CHANNEL_TYPES:
            raise InvalidField(f"{name}.type",
                               f"'{name}.type' 은(는) {', '.join(CHANNEL_TYPES)} 중 하나여야 합니다.")
        channel_id = spec.get("id")
        before = existing.get(channel_id) if isinstance(channel_id, str) else None
        if before is not None and before.type != kind:
            before = None
        if before is None:
            channel_id = "c" + _secrets.token_hex(4)
        old_secret = current_secrets.get(str(channel_id), {}) if before else {}
        enabled = spec.get("enabled", True)
        if not isinstance(enabled, bool):
            raise InvalidField(f"{name}.enabled", f"'{name}.enabled' 는 true/false 여야 합니다.")
        channel, secret = _channel(kind, str(channel_id), enabled, spec, name, old_secret,
                                   allow_loopback=allow_loopback)
        channels.append(channel)
        if secret:
            secrets_out[channel.id] = secret
    return tuple(channels), secrets_out


def _url_field(spec: dict[str, Any], key: str, name: str, *, allow_loopback: bool) -> str:
    value = spec.get(key)
    if not isinstance(value, str) or len(value) > 2000:
        raise InvalidField(f"{name}.{key}", f"'{name}.{key}' URL이 필요합니다.")
    problem = url_problem(value.strip(), allow_loopback=allow_loopback)
    if problem:
        raise InvalidField(f"{name}.{key}", f"'{name}.{key}': {problem}")
    return value.strip()


def _channel(kind: str, channel_id: str, enabled: bool, spec: dict[str, Any], name: str,
             old_secret: dict[str, str], *, allow_loopback: bool) -> tuple[Channel, dict[str, str]]:
    if kind == "webhook":
        url = _url_field(spec, "url", name, allow_loopback=allow_loopback)
        secret = spec.get("secret")
        if secret is None and old_secret.get("secret"):
            secret = old_secret["secret"]
        if not isinstance(secret, str) or not 16 <= len(secret) <= 256:
            raise InvalidField(f"{name}.secret", f"'{name}.secret' 는 16~256자 서명 키여야 합니다.")
        return Channel(channel_id, kind, enabled, url=url, has_secret=True), {"secret": secret}
    if kind in SECRET_URL_TYPES:
        if spec.get("url") is None and old_secret.get("url"):
            url = old_secret["url"]
        else:
            url = _url_field(spec, "url", name, allow_loopback=allow_loopback)
        return Channel(channel_id, kind, enabled, url_hint=url_hint(url), has_secret=True), {"url": url}
    if kind == "email":
        address = spec.get("address")
        if not isinstance(address, str) or not _EMAIL.match(address.strip()):
            raise InvalidField(f"{name}.address", f"'{name}.address' 는 이메일 주소여야 합니다.")
        return Channel(channel_id, kind, enabled, address=address.strip()), {}
    recipient = spec.get("recipient")
    if not isinstance(recipient, str) or not recipient.startswith(("user:", "channel:")) \
            or not _WORKS_ID.match(recipient.split(":", 1)[1]):
        raise InvalidField(f"{name}.recipient",
                           f"'{name}.recipient' 는 'user:<계정 ID>' 또는 'channel:<채널 ID>' 여야 합니다.")
    return Channel(channel_id, kind, enabled, recipient=recipient), {}
