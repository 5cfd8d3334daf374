"""CloudWatch alarms and the operations dashboard, generated from the template's resources.

``python -m infra.deploy.alarms --write`` rewrites the generated block of ``template.yaml`` (between
the ``# --- generated alarms`` markers in the operations section); ``--check`` exits 1 when the block
is out of date, as it is after a tool adds a function, queue, stream or API. The alarms:

- every function: ``Errors`` (errors in 2 of the last 3 five-minute periods) and ``Throttles``;
- every dead-letter queue (an SQS queue some redrive policy, OnFailure destination or DLQ setting
  points at): ``ApproximateNumberOfMessagesVisible`` above 0;
- every Kinesis stream: ``GetRecords.IteratorAgeMilliseconds`` above one minute for five minutes;
- every API: ``5XXError`` (5 or more in five minutes);
- the crawler (when ``CrawlerFunction`` is in the template): ``GDesk/BriefingUnhealthySources``, the
  metric each round emits with the number of enabled sources that failed or found nothing for
  ``GDESK_CRAWL_UNHEALTHY_ROUNDS`` rounds in a row (a board that changed its markup), at 1 or more.

They notify the ``AlarmTopicArn`` parameter's topic, or the stack's own ``AlarmTopic`` when the
parameter is empty. What each alarm means and what to do: docs/operations.md.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from infra.local.template import TEMPLATE_PATH, load

BEGIN = "  # --- generated alarms: `python -m infra.deploy.alarms --write`; do not edit by hand ---\n"
END = "  # --- end of generated alarms ---\n"
ALARM_ACTION = {"Fn::If": ["CreateAlarmTopic", {"Ref": "AlarmTopic"}, {"Ref": "AlarmTopicArn"}]}
DLQ_KEYS = {"deadLetterTargetArn", "OnFailure", "DeadLetterQueue", "DeadLetterConfig"}
ITERATOR_AGE_LIMIT_MS = 60_000
CRAWLER = "CrawlerFunction"


@dataclass(frozen=True)
class Watched:
    """What the alarms are generated for."""

    functions: list[str]
    dead_letter_queues: list[str]
    streams: list[str]
    apis: list[tuple[str, Any, Any]]  # (logical id, ApiName value, stage value)


def _refs(value: Any) -> Iterator[str]:
    if isinstance(value, dict):
        if "Ref" in value and isinstance(value["Ref"], str):
            yield value["Ref"]
        elif "Fn::GetAtt" in value:
            arg = value["Fn::GetAtt"]
            yield str(arg[0] if isinstance(arg, list) else str(arg).split(".")[0])
        else:
            for item in value.values():
                yield from _refs(item)
    elif isinstance(value, list):
        for item in value:
            yield from _refs(item)


def _dlq_candidates(value: Any) -> Iterator[str]:
    """Logical ids referenced under a dead-letter / on-failure setting anywhere in ``value``."""
    if isinstance(value, dict):
        for key, item in value.items():
            if key in DLQ_KEYS:
                yield from _refs(item)
            else:
                yield from _dlq_candidates(item)
    elif isinstance(value, list):
        for item in value:
            yield from _dlq_candidates(item)


def watched(template: dict[str, Any]) -> Watched:
    resources = template["Resources"]

    def of_type(rtype: str) -> list[str]:
        return sorted(k for k, v in resources.items() if v.get("Type") == rtype)

    queues = set(of_type("AWS::SQS::Queue"))
    dlqs = sorted(set(_dlq_candidates(resources)) & queues)
    apis = []
    for logical_id in of_type("AWS::Serverless::Api"):
        props = resources[logical_id].get("Properties", {})
        # SAM names the REST API after the stack unless the template gives a Name.
        apis.append((logical_id, props.get("Name", {"Ref": "AWS::StackName"}), props.get("StageName")))
    return Watched(of_type("AWS::Serverless::Function"), dlqs, of_type("AWS::Kinesis::Stream"), apis)


def _alarm(description: str, namespace: str, metric: str, dimensions: list[dict[str, Any]], statistic: str,
           threshold: float, period: int = 300, evaluation: int = 1, datapoints: int | None = None,
           comparison: str = "GreaterThanOrEqualToThreshold") -> dict[str, Any]:
    props: dict[str, Any] = {
        "AlarmDescription": description, "Namespace": namespace, "MetricName": metric,
        "Dimensions": dimensions, "Statistic": statistic, "Period": period, "EvaluationPeriods": evaluation}
    if datapoints is not None:
        props["DatapointsToAlarm"] = datapoints
    props.update({"Threshold": threshold, "ComparisonOperator": comparison,
                  "TreatMissingData": "notBreaching",
                  "AlarmActions": [ALARM_ACTION], "OKActions": [ALARM_ACTION]})
    return {"Type": "AWS::CloudWatch::Alarm", "Properties": props}


def alarm_resources(w: Watched) -> dict[str, dict[str, Any]]:
    alarms: dict[str, dict[str, Any]] = {}
    for fn in w.functions:
        dims = [{"Name": "FunctionName", "Value": {"Ref": fn}}]
        alarms[f"{fn}ErrorsAlarm"] = _alarm(
            f"{fn} failed in 2 of the last 3 five-minute periods (docs/operations.md#function-errors)",
            "AWS/Lambda", "Errors", dims, "Sum", 1, evaluation=3, datapoints=2)
        alarms[f"{fn}ThrottlesAlarm"] = _alarm(
            f"{fn} was throttled (docs/operations.md#function-throttles)",
            "AWS/Lambda", "Throttles", dims, "Sum", 1)
    for queue in w.dead_letter_queues:
        alarms[f"{queue}DepthAlarm"] = _alarm(
            f"Messages are waiting in the dead-letter queue {queue} (docs/operations.md#dead-letter-queue)",
            "AWS/SQS", "ApproximateNumberOfMessagesVisible",
            [{"Name": "QueueName", "Value": {"Fn::GetAtt": [queue, "QueueName"]}}], "Maximum", 0,
            comparison="GreaterThanThreshold")
    for stream in w.streams:
        alarms[f"{stream}IteratorAgeAlarm"] = _alarm(
            f"Records in {stream} wait more than a minute to be read "
            "(docs/operations.md#stream-iterator-age)",
            "AWS/Kinesis", "GetRecords.IteratorAgeMilliseconds",
            [{"Name": "StreamName", "Value": {"Ref": stream}}], "Maximum", ITERATOR_AGE_LIMIT_MS,
            period=60, evaluation=5)
    for api, name, stage in w.apis:
        alarms[f"{api}ServerErrorsAlarm"] = _alarm(
            f"{api} answered 5 or more 5xx in five minutes (docs/operations.md#api-5xx)", "AWS/ApiGateway",
            "5XXError", [{"Name": "ApiName", "Value": name}, {"Name": "Stage", "Value": stage}], "Sum", 5)
    if CRAWLER in w.functions:
        alarms["BriefingSourceHealthAlarm"] = _alarm(
            "A crawl source failed or found nothing for several rounds in a row; its site or board markup "
            "may have changed (docs/operations.md#crawl-source-unhealthy)",
            "GDesk", "BriefingUnhealthySources", [{"Name": "service", "Value": "gdesk"}], "Maximum", 1,
            period=900)
    return alarms


def _sub_value(value: Any) -> str:
    """A dimension value inside the dashboard's Fn::Sub JSON."""
    if isinstance(value, dict) and "Ref" in value:
        return "${" + str(value["Ref"]) + "}"
    if isinstance(value, dict) and "Fn::GetAtt" in value:
        return "${" + ".".join(value["Fn::GetAtt"]) + "}"
    return str(value)


def dashboard(w: Watched, alarms: dict[str, dict[str, Any]]) -> dict[str, Any]:
    widgets: list[dict[str, Any]] = []

    def graph(title: str, metrics: list[list[Any]], stat: str = "Sum") -> None:
        if metrics:
            index = len(widgets)
            properties = {"title": title, "region": "${AWS::Region}", "stat": stat, "period": 300,
                          "view": "timeSeries", "metrics": metrics}
            widgets.append({"type": "metric", "x": (index % 2) * 12, "y": (index // 2) * 6, "width": 12,
                            "height": 6, "properties": properties})

    for api, name, stage in w.apis:
        dims = ["ApiName", _sub_value(name), "Stage", _sub_value(stage)]
        graph(f"{api}: requests and errors",
              [["AWS/ApiGateway", m, *dims] for m in ("Count", "4XXError", "5XXError")])
        graph(f"{api}: latency p90 (ms)", [["AWS/ApiGateway", "Latency", *dims]], stat="p90")
    for metric in ("Invocations", "Errors", "Throttles"):
        graph(f"Lambda {metric}",
              [["AWS/Lambda", metric, "FunctionName", f"${{{fn}}}"] for fn in w.functions])
    graph("Lambda duration p90 (ms)",
          [["AWS/Lambda", "Duration", "FunctionName", f"${{{fn}}}"] for fn in w.functions], stat="p90")
    graph("Dead-letter queues: messages waiting",
          [["AWS/SQS", "ApproximateNumberOfMessagesVisible", "QueueName", f"${{{q}.QueueName}}"]
           for q in w.dead_letter_queues], stat="Maximum")
    graph("Kinesis iterator age (ms)",
          [["AWS/Kinesis", "GetRecords.IteratorAgeMilliseconds", "StreamName", f"${{{s}}}"]
           for s in w.streams],
          stat="Maximum")
    widgets.append({"type": "alarm", "x": 0, "y": ((len(widgets) + 1) // 2) * 6, "width": 24, "height": 4,
                    "properties": {"title": "Alarms", "alarms": [f"${{{a}.Arn}}" for a in sorted(alarms)]}})
    # One widget per line: readable in the template, and a diff shows which widget changed.
    lines = ",\n  ".join(json.dumps(w, ensure_ascii=False) for w in widgets)
    body = _Literal('{"widgets": [\n  ' + lines + "\n]}\n")
    return {"Type": "AWS::CloudWatch::Dashboard", "Properties": {
        "DashboardName": {"Fn::Sub": "${AWS::StackName}-operations"}, "DashboardBody": {"Fn::Sub": body}}}


def generated_resources(template: dict[str, Any]) -> dict[str, dict[str, Any]]:
    w = watched(template)
    alarms = alarm_resources(w)
    return {**alarms, "OperationsDashboard": dashboard(w, alarms)}


_INTRINSIC_TAGS = {"Ref": "!Ref", "Fn::GetAtt": "!GetAtt", "Fn::If": "!If", "Fn::Sub": "!Sub"}


class _Literal(str):
    """A string written as a YAML literal block (the dashboard's JSON)."""


class _Dumper(yaml.SafeDumper):
    def ignore_aliases(self, data: Any) -> bool:
        return True


def _represent_dict(dumper: yaml.SafeDumper, data: dict[str, Any]) -> yaml.Node:
    if len(data) == 1:
        (key, value), = data.items()
        tag = _INTRINSIC_TAGS.get(key)
        if tag == "!GetAtt" and isinstance(value, list):
            return dumper.represent_scalar(tag, ".".join(value))
        if tag and isinstance(value, str):
            return dumper.represent_scalar(tag, value, style="|" if isinstance(value, _Literal) else None)
        if tag and isinstance(value, list):
            return dumper.represent_sequence(tag, value, flow_style=True)
    return dumper.represent_mapping("tag:yaml.org,2002:map", data.items())


_Dumper.add_representer(dict, _represent_dict)


def render(template: dict[str, Any]) -> str:
    text = yaml.dump(generated_resources(template), Dumper=_Dumper, sort_keys=False, allow_unicode=True,
                     width=200, default_flow_style=False)
    body = "".join(f"  {line}\n" if line else "\n" for line in text.rstrip("\n").split("\n"))
    return BEGIN + body + END


def current_block(text: str) -> str | None:
    match = re.search(re.escape(BEGIN) + r".*?" + re.escape(END), text, flags=re.S)
    return match.group(0) if match else None


def write(path: Path = TEMPLATE_PATH) -> bool:
    """Rewrite the generated block; True when the file changed."""
    text = path.read_text(encoding="utf-8")
    block = current_block(text)
    if block is None:
        raise SystemExit(f"{path}: no generated-alarms markers in the operations section")
    new = text.replace(block, render(load(path)))
    if new != text:
        path.write_text(new, encoding="utf-8")
    return new != text


def missing_alarms(template: dict[str, Any]) -> list[str]:
    """What lacks its alarm in the template as it is (whatever wrote it)."""
    resources = template["Resources"]
    return [f"{logical_id} ({resource['Properties']['AlarmDescription'].split(' (')[0]})"
            for logical_id, resource in alarm_resources(watched(template)).items()
            if resources.get(logical_id, {}).get("Properties", {}).get("MetricName") !=
            resource["Properties"]["MetricName"]]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Generate the alarms and dashboard in template.yaml.")
    parser.add_argument("--write", action="store_true", help="rewrite the generated block")
    parser.add_argument("--check", action="store_true", help="exit 1 when the block is out of date")
    parser.add_argument("--template", default=str(TEMPLATE_PATH))
    args = parser.parse_args(argv)
    path = Path(args.template)
    if args.write:
        print("template.yaml: alarms updated" if write(path) else "template.yaml: alarms already up to date")
        return 0
    block = current_block(path.read_text(encoding="utf-8"))
    if args.check:
        if block != render(load(path)):
            print("alarms are out of date: run `python -m infra.deploy.alarms --write`", file=sys.stderr)
            return 1
        return 0
    print(render(load(path)), end="")
    return 0


if __name__ == "__main__":
    sys.exit(main())
