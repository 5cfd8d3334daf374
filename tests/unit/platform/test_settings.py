"""Settings: parsed once from the environment; malformed values fail loudly at start-up."""

from __future__ import annotations

import pytest

from chalicelib.settings import AuthSettings, Settings, SettingsError, get_settings


def test_defaults_are_safe() -> None:
    settings = Settings.from_env({})
    assert settings.stage == "local"
    assert settings.region == "ap-northeast-2"
    assert settings.tracing is False
    assert settings.auth.dev_issuer is False
    assert settings.auth.algorithms == ("ES256", "RS256")
    assert settings.auth.audience == "gdesk"
    assert settings.auth.jwks_cache_seconds == 3600


@pytest.mark.parametrize("raw,expected", [
    ("1", True), ("true", True), ("TRUE", True), ("yes", True), ("on", True),
    ("0", False), ("false", False), ("No", False), ("off", False), ("", False),
])
def test_booleans(raw: str, expected: bool) -> None:
    assert Settings.from_env({"GDESK_TRACING": raw}).tracing is expected


def test_a_malformed_boolean_is_an_error_naming_the_variable() -> None:
    with pytest.raises(SettingsError, match="GDESK_DEV_ISSUER"):
        Settings.from_env({"GDESK_DEV_ISSUER": "maybe"})


def test_integers() -> None:
    assert AuthSettings.from_env({"GDESK_JWKS_CACHE_SECONDS": "60"}).jwks_cache_seconds == 60
    with pytest.raises(SettingsError, match="GDESK_JWKS_CACHE_SECONDS"):
        AuthSettings.from_env({"GDESK_JWKS_CACHE_SECONDS": "an hour"})


@pytest.mark.parametrize("raw", ["HS256", "ES256,none", "RS256,HS512", "none"])
def test_only_asymmetric_algorithms_are_allowed(raw: str) -> None:
    with pytest.raises(SettingsError, match="GDESK_JWT_ALGORITHMS"):
        AuthSettings.from_env({"GDESK_JWT_ALGORITHMS": raw})


def test_algorithm_list_is_trimmed_and_pinned() -> None:
    assert AuthSettings.from_env({"GDESK_JWT_ALGORITHMS": " RS256 , "}).algorithms == ("RS256",)


def test_region_falls_back_to_the_default_region_variable() -> None:
    assert Settings.from_env({"AWS_DEFAULT_REGION": "us-west-2"}).region == "us-west-2"
    assert Settings.from_env({"AWS_REGION": "eu-west-1", "AWS_DEFAULT_REGION": "x"}).region == "eu-west-1"


def test_public_url_loses_its_trailing_slash() -> None:
    assert Settings.from_env({"GDESK_PUBLIC_URL": "https://desk.example.kr/"}).public_url == \
        "https://desk.example.kr"


def test_settings_are_frozen_and_cached(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GDESK_STAGE", "staging")
    get_settings.cache_clear()
    try:
        first = get_settings()
        monkeypatch.setenv("GDESK_STAGE", "prod")
        assert get_settings() is first and first.stage == "staging"
        with pytest.raises(AttributeError):
            first.stage = "prod"  # type: ignore[misc]
        get_settings.cache_clear()
        assert get_settings().stage == "prod"
    finally:
        get_settings.cache_clear()


def test_only_settings_reads_the_environment() -> None:
    """The house rule: no other module of the app reads os.environ."""
    import re
    from pathlib import Path

    root = Path(__file__).resolve().parents[3]
    offenders = []
    for path in [root / "app.py", *sorted((root / "chalicelib").rglob("*.py")),
                 *sorted((root / "functions").rglob("*.py"))]:
        if path.name == "settings.py" and path.parent.name == "chalicelib":
            continue
        if re.search(r"os\.environ|os\.getenv", path.read_text(encoding="utf-8")):
            offenders.append(str(path.relative_to(root)))
    assert not offenders
