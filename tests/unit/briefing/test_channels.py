"""Each adapter's payload, the webhook signature, the SSRF guard, the NAVER WORKS assertion."""

from __future__ import annotations

import json

import pytest

from chalicelib.briefing.notifying.channels import dooray, mail, naverworks, slack, transport, webhook
from chalicelib.briefing.notifying.channels.base import Message, SendError

ITEM = Message(kind="item", title="겨울철 도로 <제설> 대책", url="https://www.korea.kr/news?id=1&x=2",
               agency="국토교통부", published_at="2024-12-01T09:30:00+09:00",
               reason="키워드 ‘제설’ 일치(제목)", score=0.83, item_id="abc",
               page_url="https://gdesk.example.go.kr/briefing")
DIGEST = Message(kind="digest", title="2024-12-02 아침 브리핑: 담당업무 관련 자료 2건",
                 page_url="https://gdesk.example.go.kr/briefing",
                 entries=({"item_id": "a", "title": "첫째", "url": "https://a.example/1", "agency": "환경부",
                           "published_at": "2024-12-01T20:00:00+09:00", "reason": "키워드 ‘탄소’"},
                          {"item_id": "b", "title": "둘째", "url": "https://a.example/2", "agency": "환경부",
                           "published_at": "2024-12-01T21:00:00+09:00", "reason": "관심 기관 환경부"}))


def test_webhook_signature_is_hmac_sha256_over_timestamp_and_body() -> None:
    import hashlib
    import hmac

    body, headers = webhook.request(ITEM, "d" * 32, "k" * 20, now=1_700_000_000)
    expected = hmac.new(b"k" * 20, b"1700000000." + body, hashlib.sha256).hexdigest()
    assert headers == {"X-GDesk-Timestamp": "1700000000", "X-GDesk-Signature": f"sha256={expected}",
                       "X-GDesk-Delivery": "d" * 32}
    payload = json.loads(body)
    assert payload == {"type": "briefing.item", "delivery_id": "d" * 32, "kind": "item",
                       "title": ITEM.title, "item_id": "abc", "url": ITEM.url, "agency": "국토교통부",
                       "published_at": ITEM.published_at, "reason": ITEM.reason, "score": 0.83,
                       "page_url": ITEM.page_url}


def test_webhook_verify_rejects_tampering_wrong_key_and_replay() -> None:
    body, headers = webhook.request(ITEM, "id", "k" * 20, now=1_700_000_000)
    assert webhook.verify("k" * 20, headers, body, now=1_700_000_100)
    assert not webhook.verify("k" * 20, headers, body + b" ", now=1_700_000_100)
    assert not webhook.verify("x" * 20, headers, body, now=1_700_000_100)
    assert not webhook.verify("k" * 20, headers, body, now=1_700_000_000 + 301)
    assert not webhook.verify("k" * 20, {**headers, "X-GDesk-Timestamp": "soon"}, body, now=1_700_000_000)


def test_slack_payload_escapes_and_links() -> None:
    payload = slack.payload(ITEM)
    assert payload["text"] == "[AI 비서] 겨울철 도로 <제설> 대책"
    section = payload["blocks"][0]["text"]["text"]
    assert section.startswith("*<https://www.korea.kr/news?id=1&x=2|겨울철 도로 &lt;제설&gt; 대책>*")
    assert "국토교통부 · 2024-12-01 09:30" in section
    assert payload["blocks"][1]["elements"][0]["text"] == "사유: 키워드 ‘제설’ 일치(제목)"
    digest = slack.payload(DIGEST)
    assert digest["blocks"][0]["type"] == "header"
    assert "<https://a.example/2|둘째>" in digest["blocks"][1]["text"]["text"]


def test_dooray_payload() -> None:
    payload = dooray.payload(ITEM)
    assert payload["botName"] == "G-Desk AI 비서"
    assert payload["text"] == "[국토교통부] 새 보도자료가 담당업무와 관련됩니다."
    assert payload["attachments"] == [{"title": ITEM.title, "titleLink": ITEM.url,
                                       "text": "2024-12-01 09:30 · 사유: 키워드 ‘제설’ 일치(제목)",
                                       "color": "#2b6cb0"}]
    assert [a["title"] for a in dooray.payload(DIGEST)["attachments"]] == ["첫째", "둘째"]


def test_naverworks_payload_url_and_assertion() -> None:
    payload = naverworks.payload(ITEM)
    assert payload["content"]["type"] == "link"
    assert payload["content"]["link"] == ITEM.url
    assert payload["content"]["contentText"].startswith("[AI 비서] 겨울철 도로 <제설> 대책")
    assert naverworks.payload(DIGEST)["content"]["link"] == DIGEST.page_url
    assert naverworks.message_url("https://api", "b1", "user:kim@x.works") == \
        "https://api/bots/b1/users/kim%40x.works/messages"
    assert naverworks.message_url("https://api", "b1", "channel:ch/1") == \
        "https://api/bots/b1/channels/ch%2F1/messages"


def test_naverworks_access_token_from_the_secret_and_missing_fields() -> None:
    assert naverworks.access_token({"access_token": "t"}, "https://x", timeout=1, allow_loopback=False) == "t"
    with pytest.raises(SendError) as err:
        naverworks.access_token({"client_id": "c"}, "https://x", timeout=1, allow_loopback=False)
    assert not err.value.retryable


def test_email_request() -> None:
    request = mail.request(ITEM, "briefing@example.go.kr", "kim@example.go.kr")
    assert request["Source"] == "briefing@example.go.kr"
    assert request["Destination"] == {"ToAddresses": ["kim@example.go.kr"]}
    assert request["Message"]["Subject"]["Data"] == "[AI 비서] 겨울철 도로 <제설> 대책"
    html = request["Message"]["Body"]["Html"]["Data"]
    assert "겨울철 도로 &lt;제설&gt; 대책" in html and 'href="https://www.korea.kr/news?id=1&amp;x=2"' in html
    assert "사유: 키워드 ‘제설’ 일치(제목)" in request["Message"]["Body"]["Text"]["Data"]


def test_digest_text_lists_every_entry() -> None:
    text = DIGEST.text()
    assert "1. 첫째 (환경부, 2024-12-01 20:00)" in text and "2. 둘째" in text
    assert text.endswith("전체 보기: https://gdesk.example.go.kr/briefing")


@pytest.mark.parametrize("url", ["http://169.254.169.254/latest", "https://10.0.0.5/hook",
                                 "https://[::1]/x", "ftp://example.com/x", "http://127.0.0.1:9/x"])
def test_transport_refuses_private_and_metadata_addresses(url: str) -> None:
    with pytest.raises(SendError) as err:
        transport.check_destination(url, allow_loopback=False)
    assert not err.value.retryable


def test_transport_allows_loopback_only_when_configured() -> None:
    transport.check_destination("http://127.0.0.1:9/x", allow_loopback=True)
    with pytest.raises(SendError):
        transport.check_destination("http://10.0.0.1/x", allow_loopback=True)
