"""Every briefing route is an Api event of ApiFunction, and the notifier's functions are wired:
handlers exist, SQS with partial batch failures, a DLQ with 5 receives, log groups, no `*` action."""

from __future__ import annotations

from typing import Any

from infra.local.template import TEMPLATE_PATH, load


def _template() -> dict[str, Any]:
    return load(TEMPLATE_PATH)


def test_briefing_routes_are_api_events() -> None:
    from app import app

    routes = {(path, method) for path, entries in app.routes.items() for method in entries
              if path.startswith("/briefing")}
    events = _template()["Resources"]["ApiFunction"]["Properties"]["Events"]
    declared = {(e["Properties"]["Path"], e["Properties"]["Method"]) for e in events.values()
                if e["Type"] == "Api" and e["Properties"]["Path"].startswith("/briefing")}
    assert routes == declared
    assert ("/briefing/items/{item_id}/feedback", "POST") in routes


def test_notifier_resources() -> None:
    import app

    resources = _template()["Resources"]
    notifier = resources["NotifierFunction"]["Properties"]
    assert notifier["Handler"] == "app.notify" and callable(app.notify)
    source = notifier["Events"]["Notify"]["Properties"]
    assert source["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
    assert source["Queue"] == {"Fn::GetAtt": ["NotifyQueue", "Arn"]}
    redrive = resources["NotifyQueue"]["Properties"]["RedrivePolicy"]
    assert redrive == {"deadLetterTargetArn": {"Fn::GetAtt": ["NotifyDLQ", "Arn"]}, "maxReceiveCount": 5}
    assert resources["NotifyQueue"]["Properties"]["VisibilityTimeout"] >= 6 * notifier["Timeout"]
    digest = resources["DigestFunction"]["Properties"]
    assert digest["Handler"] == "app.digest" and callable(app.digest)
    assert digest["Events"]["Morning"]["Properties"]["Schedule"] == "cron(0 23 * * ? *)"  # 08:00 KST
    for name in ("NotifierFunction", "DigestFunction"):
        group = resources[f"{name}LogGroup"]["Properties"]
        assert group["RetentionInDays"] == {"Ref": "LogRetentionDays"}
        for policy in resources[name]["Properties"]["Policies"]:
            for statement in policy.get("Statement", []) if isinstance(policy, dict) else []:
                action = statement["Action"]
                actions = action if isinstance(action, list) else [action]
                assert all("*" not in a for a in actions)
