"""Alarms and the dashboard are generated from the template's resources: every function, dead-letter
queue, Kinesis stream and API has its alarm, and the generated block in template.yaml is current."""

from __future__ import annotations

import json
import re
from pathlib import Path

from infra.deploy import alarms
from infra.local.template import ROOT, TEMPLATE_PATH, load

EXTRA = """
  SampleStream:
    Type: AWS::Kinesis::Stream
    Properties: {ShardCount: 1}
  SampleFailures:
    Type: AWS::SQS::Queue
  SampleDLQ:
    Type: AWS::SQS::Queue
  SampleQueue:
    Type: AWS::SQS::Queue
    Properties:
      RedrivePolicy: {deadLetterTargetArn: !GetAtt SampleDLQ.Arn, maxReceiveCount: 5}
  SampleFunction:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: .
      Handler: functions/density_stream/handler.handler
      Layers: [!Ref SharedLayer]
      Events:
        Stream:
          Type: Kinesis
          Properties:
            Stream: !GetAtt SampleStream.Arn
            StartingPosition: LATEST
            MaximumRetryAttempts: 3
            DestinationConfig: {OnFailure: {Destination: !GetAtt SampleFailures.Arn}}
"""


def _with_tool_resources(tmp_path: Path) -> Path:
    """template.yaml as if a tool had added a stream, queues and a function."""
    text = TEMPLATE_PATH.read_text(encoding="utf-8").replace("  # <<< operations resources\n",
                                                             EXTRA + "  # <<< operations resources\n")
    path = tmp_path / "template.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_the_generated_block_in_template_yaml_is_current() -> None:
    block = alarms.current_block(TEMPLATE_PATH.read_text(encoding="utf-8"))
    assert block == alarms.render(load()), "run `python -m infra.deploy.alarms --write`"
    assert alarms.main(["--check"]) == 0


def test_every_function_dlq_stream_and_api_of_the_template_has_its_alarm() -> None:
    assert alarms.missing_alarms(load()) == []


def test_dead_letter_queues_are_found_wherever_they_are_named(tmp_path: Path) -> None:
    watched = alarms.watched(load(_with_tool_resources(tmp_path)))
    assert {"SampleFailures", "SampleDLQ"} <= set(watched.dead_letter_queues)
    assert "SampleQueue" not in watched.dead_letter_queues, "a source, not a dead-letter queue"
    assert "SampleStream" in watched.streams
    assert "SampleFunction" in watched.functions


def test_a_new_function_queue_or_stream_makes_the_check_fail_until_written(tmp_path: Path) -> None:
    path = _with_tool_resources(tmp_path)
    assert set(alarms.missing_alarms(load(path))) == {
        "SampleFunctionErrorsAlarm (SampleFunction failed in 2 of the last 3 five-minute periods)",
        "SampleFunctionThrottlesAlarm (SampleFunction was throttled)",
        "SampleFailuresDepthAlarm (Messages are waiting in the dead-letter queue SampleFailures)",
        "SampleDLQDepthAlarm (Messages are waiting in the dead-letter queue SampleDLQ)",
        "SampleStreamIteratorAgeAlarm (Records in SampleStream wait more than a minute to be read)"}
    assert alarms.main(["--check", "--template", str(path)]) == 1
    assert alarms.write(path) is True
    assert alarms.missing_alarms(load(path)) == []
    assert alarms.main(["--check", "--template", str(path)]) == 0
    assert alarms.write(path) is False, "writing twice changes nothing"


def test_generated_alarms_for_every_kind_are_valid_cloudformation(tmp_path: Path) -> None:
    from cfnlint.api import lint_all

    path = _with_tool_resources(tmp_path)
    alarms.write(path)
    resources = load(path)["Resources"]
    stream_alarm = resources["SampleStreamIteratorAgeAlarm"]["Properties"]
    assert stream_alarm["MetricName"] == "GetRecords.IteratorAgeMilliseconds"
    assert stream_alarm["Dimensions"] == [{"Name": "StreamName", "Value": {"Ref": "SampleStream"}}]
    dlq_alarm = resources["SampleDLQDepthAlarm"]["Properties"]
    assert (dlq_alarm["Threshold"], dlq_alarm["ComparisonOperator"]) == (0, "GreaterThanThreshold")
    assert dlq_alarm["AlarmActions"] == [{"Fn::If": ["CreateAlarmTopic", {"Ref": "AlarmTopic"},
                                                     {"Ref": "AlarmTopicArn"}]}]
    errors = [f"{m.rule.id}: {m.message}" for m in lint_all(path.read_text(encoding="utf-8"))
              if m.rule.id[0] == "E" and "Density" in m.message + str(m.path)]
    assert [e for e in errors if "Alarm" in e or "Dashboard" in e] == []


def test_the_dashboard_is_json_with_a_widget_per_metric_group_and_every_alarm() -> None:
    dashboard = load()["Resources"]["OperationsDashboard"]["Properties"]
    body = json.loads(re.sub(r"\$\{[^}]+\}", "x", dashboard["DashboardBody"]["Fn::Sub"]))
    titles = [w["properties"]["title"] for w in body["widgets"]]
    assert "Lambda Errors" in titles and "GDeskApi: requests and errors" in titles
    alarm_widget = body["widgets"][-1]["properties"]
    assert len(alarm_widget["alarms"]) == len(alarms.alarm_resources(alarms.watched(load())))
    assert "${ApiFunctionErrorsAlarm.Arn}" in dashboard["DashboardBody"]["Fn::Sub"]


def test_operations_doc_explains_every_alarm_anchor() -> None:
    doc = (ROOT / "docs" / "operations.md").read_text(encoding="utf-8")
    source = (ROOT / "infra" / "deploy" / "alarms.py").read_text(encoding="utf-8")
    anchors = set(re.findall(r"docs/operations\.md#([a-z0-9-]+)", source))
    headings = {re.sub(r"[^a-z0-9 -]", "", h.lower()).strip().replace(" ", "-")
                for h in re.findall(r"^#+ (.+)$", doc, flags=re.M)}
    assert anchors and anchors <= headings
