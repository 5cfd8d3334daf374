"""The cafeteria's part of template.yaml: routes, stream function settings, least privilege."""

from __future__ import annotations

from typing import Any

from infra.local.template import load


def _resources() -> dict[str, Any]:
    return load()["Resources"]


def test_every_cafeteria_route_is_an_api_event_and_the_other_way_round() -> None:
    from app import app

    events = _resources()["ApiFunction"]["Properties"]["Events"]
    template = {(e["Properties"]["Path"], e["Properties"]["Method"].upper()) for e in events.values()
                if e["Properties"]["Path"].startswith("/cafeteria")}
    routes = {(path, method) for path, entries in app.routes.items() for method in entries
              if path.startswith("/cafeteria")}
    assert template == routes
    assert ("/cafeteria/now", "GET") in routes


def test_the_stream_function_event_source() -> None:
    fn = _resources()["DensityStreamFunction"]["Properties"]
    (event,) = fn["Events"].values()
    props = event["Properties"]
    assert event["Type"] == "Kinesis"
    assert props["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
    assert props["BisectBatchOnFunctionError"] is True
    assert props["StartingPosition"] in ("LATEST", "TRIM_HORIZON")
    assert props["MaximumRetryAttempts"] >= 1 and props["BatchSize"] <= 10000
    destination = props["DestinationConfig"]["OnFailure"]["Destination"]
    assert destination == {"Fn::GetAtt": ["DensityFailureQueue", "Arn"]}
    # the function rejects records older than the event source would deliver
    assert int(fn["Environment"]["Variables"]["GDESK_DENSITY_MAX_AGE_SECONDS"]) == \
        props["MaximumRecordAgeInSeconds"]
    assert fn["Handler"] == "functions.density_stream.handler.handler"


def test_resources_are_encrypted_recoverable_and_logged() -> None:
    resources = _resources()
    table = resources["CafeteriaTable"]["Properties"]
    assert table["PointInTimeRecoverySpecification"] == {"PointInTimeRecoveryEnabled": True}
    assert table["SSESpecification"] == {"SSEEnabled": True} and table["BillingMode"] == "PAY_PER_REQUEST"
    assert table["TimeToLiveSpecification"]["Enabled"] is True
    assert resources["DensityStream"]["Properties"]["StreamEncryption"]["EncryptionType"] == "KMS"
    for queue in ("DensityDLQ", "DensityFailureQueue"):
        assert resources[queue]["Properties"]["SqsManagedSseEnabled"] is True
    group = resources["DensityStreamFunctionLogGroup"]["Properties"]
    assert group["RetentionInDays"] == {"Ref": "LogRetentionDays"}
    assert group["LogGroupName"] == {"Fn::Sub": "/aws/lambda/${DensityStreamFunction}"}


def test_the_stream_function_has_no_wildcard_actions() -> None:
    for policy in _resources()["DensityStreamFunction"]["Properties"]["Policies"]:
        for statement in policy.get("Statement", []):
            assert all("*" not in action for action in statement["Action"])
            assert statement["Resource"] != "*"


def test_the_stream_function_imports_without_chalice() -> None:
    """DensityStreamFunction ships only the shared layer (no Chalice): its handler module must not
    need it, and is the cafeteria's event handler."""
    import subprocess
    import sys
    from pathlib import Path

    assert _resources()["DensityStreamFunction"]["Properties"]["Layers"] == [{"Ref": "SharedLayer"}]
    code = ("import sys, functions.density_stream.handler as h, chalicelib.cafeteria.events as e; "
            "assert h.handler is e.density_records; print('chalice' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], cwd=Path(__file__).parents[3], capture_output=True,
                         text=True, check=True, timeout=60)
    assert out.stdout.strip() == "False"
