"""The one guarded transport's checks (resolver injected: no network) and the one HMAC signer,
which the briefing webhook and the photos webhook share."""

from __future__ import annotations

import pytest

from chalicelib import outbound, signing
from chalicelib.briefing.notifying.channels import webhook
from chalicelib.photos import domain


def guard(addresses: list[str], **options: object) -> outbound.Guard:
    return outbound.Guard(resolver=lambda host, port: addresses, **options)  # type: ignore[arg-type]


def test_the_guard_pins_a_public_address_and_refuses_private_ones() -> None:
    target = guard(["211.43.0.1"]).check("https://press.example.kr:8443/a?b=1")
    assert (target.scheme, target.host, target.port, target.address) == \
        ("https", "press.example.kr", 8443, "211.43.0.1")
    for address in ("10.0.0.1", "169.254.169.254", "::1", "fd00::1", "0.0.0.0"):
        with pytest.raises(outbound.AddressNotAllowed) as refused:
            guard([address]).check("https://press.example.kr/")
        assert refused.value.permanent
    assert guard(["127.0.0.1"], allow_loopback=True).check("http://localhost:9/x").address == "127.0.0.1"


def test_the_guard_keeps_to_its_allowlist_and_schemes() -> None:
    listed = outbound.Guard.for_hosts(["Press.Example.kr"], resolver=lambda h, p: ["211.43.0.1"])
    assert listed.check("https://press.example.kr/").host == "press.example.kr"
    with pytest.raises(outbound.HostNotAllowed):
        listed.check("https://attacker.example/")
    with pytest.raises(outbound.BadUrl):
        guard(["211.43.0.1"]).check("file:///etc/passwd")
    with pytest.raises(outbound.BadUrl, match="plain http"):
        guard(["211.43.0.1"], plain_http_loopback_only=True).check("http://hooks.example.com/x")


def test_one_signer_for_every_webhook() -> None:
    body = b'{"photo_id": "p1"}'
    headers = signing.signed_headers("secret", body, now=1_733_100_000)
    assert headers[signing.TIMESTAMP_HEADER] == "1733100000"
    assert headers[signing.SIGNATURE_HEADER] == domain.webhook_signature("secret", 1_733_100_000, body)
    assert webhook.verify("secret", headers, body, now=1_733_100_100)
    signature = headers[signing.SIGNATURE_HEADER]
    assert domain.verify_webhook("secret", "1733100000", body, signature, 1_733_100_100)
    assert not signing.verify("secret", "1733100000", body + b" ", headers[signing.SIGNATURE_HEADER])
    assert not signing.verify("secret", "1733100000", body, headers[signing.SIGNATURE_HEADER],
                              now=1_733_100_000 + signing.TOLERANCE_SECONDS + 1)  # replayed later


def test_an_origin_allowlist_refuses_another_port_of_the_same_host() -> None:
    guard = outbound.Guard(allowed_origins=frozenset({"https://press.example.kr:443"}),
                           resolver=lambda host, port: ["211.43.0.1"])
    assert guard.check("https://Press.Example.kr/a").port == 443
    for url in ("https://press.example.kr:8443/a", "http://press.example.kr/a", "https://other.example.kr/"):
        with pytest.raises(outbound.HostNotAllowed):
            guard.check(url)
