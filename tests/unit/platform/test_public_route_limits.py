"""Issue 15 (3, 12): the anonymous routes are throttled in the template - lower API Gateway method
limits than the rest of the API, and an optional AWS WAF rate-based rule behind a parameter."""

from __future__ import annotations

from typing import Any

from infra.local.template import Stack, load

PUBLIC = ("/proofs/verify", "/proofs/decode-qr", "/photos/pairings/claim")


def _resources() -> dict[str, Any]:
    return dict(load()["Resources"])


def test_public_routes_have_their_own_lower_method_throttles() -> None:
    settings = _resources()["GDeskApi"]["Properties"]["MethodSettings"]
    default = next(s for s in settings if s["ResourcePath"] == "/*")
    by_path = {s["ResourcePath"][1:].replace("~1", "/"): s for s in settings}
    for path in PUBLIC:
        limits = by_path[path]
        assert limits["HttpMethod"] == "POST"
        assert 0 < limits["ThrottlingRateLimit"] < default["ThrottlingRateLimit"]
        assert 0 < limits["ThrottlingBurstLimit"] < default["ThrottlingBurstLimit"]


def test_the_waf_rate_rule_is_optional_and_covers_the_public_routes() -> None:
    template = load()
    assert template["Parameters"]["PublicRouteWafRateLimit"]["Default"] == 0
    resources = template["Resources"]
    acl, association = resources["PublicRouteWebAcl"], resources["PublicRouteWebAclAssociation"]
    assert acl["Condition"] == association["Condition"] == "PublicRouteWaf"
    rule = acl["Properties"]["Rules"][0]
    assert rule["Action"]["Block"]["CustomResponse"]["ResponseCode"] == 429
    statement = rule["Statement"]["RateBasedStatement"]
    assert statement["Limit"] == {"Ref": "PublicRouteWafRateLimit"}
    assert statement["AggregateKeyType"] == "IP"
    matched = {s["ByteMatchStatement"]["SearchString"]
               for s in statement["ScopeDownStatement"]["OrStatement"]["Statements"]}
    assert matched == set(PUBLIC)
    stack = Stack(template, name="st", region="ap-northeast-2", account="111122223333")
    assert stack.condition("PublicRouteWaf") is False  # off by default
    on = Stack(template, name="st", region="ap-northeast-2", account="111122223333",
               parameters={"PublicRouteWafRateLimit": "500"})
    assert on.condition("PublicRouteWaf") is True
