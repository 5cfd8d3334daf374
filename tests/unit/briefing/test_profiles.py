"""Profile parsing: defaults kept, channels validated, secrets split off and kept when omitted."""

from __future__ import annotations

import pytest

from chalicelib.briefing.notifying.profiles import Channel, Profile, parse_profile, url_problem
from chalicelib.errors import InvalidField

BASE = Profile(user_id="E1001", department="도로관리과", keywords=("제설",))


@pytest.mark.parametrize(("url", "loopback", "ok"), [
    ("https://hooks.slack.com/services/T/B/X", False, True),
    ("http://hooks.slack.com/services/T/B/X", False, False),
    ("https://169.254.169.254/latest", False, False),
    ("https://192.168.0.10/hook", False, False),
    ("https://[fd00::1]/hook", False, False),
    ("http://127.0.0.1:8099/hooks/E1001", False, False),
    ("http://127.0.0.1:8099/hooks/E1001", True, True),
    ("http://localhost:8099/x", True, True),
    ("https://user:pw@example.com/x", False, False),
    ("https://example.com:99999/x", False, False),
    ("javascript:alert(1)", False, False),
    ("https://", False, False),
])
def test_url_problem(url: str, loopback: bool, ok: bool) -> None:
    assert (url_problem(url, allow_loopback=loopback) is None) is ok


def test_fields_left_out_keep_their_values() -> None:
    profile, secrets = parse_profile({"duties": " 제설 작업 "}, BASE, {}, allow_loopback=False)
    assert profile.duties == "제설 작업" and profile.keywords == ("제설",)
    assert profile.department == "도로관리과" and secrets == {}


def test_terms_are_deduplicated_and_spaces_collapsed() -> None:
    profile, _ = parse_profile({"keywords": ["도로  보수", "도로 보수", " 제설", ""]}, BASE, {},
                               allow_loopback=False)
    assert profile.keywords == ("도로 보수", "제설")


def test_channel_secrets_split_off_and_kept_when_omitted() -> None:
    body = {"channels": [{"type": "webhook", "url": "https://hooks.example.com/a", "secret": "k" * 16},
                         {"type": "dooray", "url": "https://hook.dooray.com/services/1/2/abcd"}]}
    profile, secrets = parse_profile(body, BASE, {}, allow_loopback=False)
    webhook, dooray = profile.channels
    assert webhook.url == "https://hooks.example.com/a" and webhook.has_secret
    assert dooray.url == "" and dooray.url_hint == "https://hook.dooray.com/…abcd"
    assert secrets == {webhook.id: {"secret": "k" * 16},
                       dooray.id: {"url": "https://hook.dooray.com/services/1/2/abcd"}}
    again, kept = parse_profile({"channels": [{"id": webhook.id, "type": "webhook",
                                               "url": "https://hooks.example.com/b"},
                                              {"id": dooray.id, "type": "dooray"}]},
                                profile, secrets, allow_loopback=False)
    assert kept == secrets and [c.id for c in again.channels] == [webhook.id, dooray.id]
    assert again.channels[0].url == "https://hooks.example.com/b"


def test_an_unknown_or_retyped_channel_id_is_a_new_channel_needing_its_secret() -> None:
    current = Profile(user_id="E1001", channels=(Channel("c1", "slack", url_hint="h", has_secret=True),))
    with pytest.raises(InvalidField) as err:
        parse_profile({"channels": [{"id": "c1", "type": "webhook", "url": "https://h.example/x"}]},
                      current, {"c1": {"url": "https://hooks.slack.com/x"}}, allow_loopback=False)
    assert err.value.field == "channels[0].secret"
    with pytest.raises(InvalidField):
        parse_profile({"channels": [{"id": "other", "type": "slack"}]}, current,
                      {"c1": {"url": "https://hooks.slack.com/x"}}, allow_loopback=False)


def test_record_round_trip_and_public_view_without_secrets() -> None:
    profile = Profile(user_id="E1001", channels=(Channel("c1", "webhook", url="https://h.example/x",
                                                         has_secret=True),),
                      term_weights={"제설": 0.6})
    assert Profile.from_record(profile.to_record()) == profile
    public = profile.public()
    assert public["channels"] == [{"id": "c1", "type": "webhook", "enabled": True,
                                   "url": "https://h.example/x", "secret_set": True}]
    assert public["learned_weights"] == [{"term": "제설", "weight": 0.6}]
