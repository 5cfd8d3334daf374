"""Template quality rules, each a function from a template to a list of problems (empty: fine).

They iterate over the resources of a kind, so they hold for every resource a tool adds. The
tests in ``tests/unit/test_template_quality.py`` run them on ``template.yaml``; the tests in
``tests/unit/deploy/test_quality_rules.py`` show each rule catching a bad template.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

# Actions whose AWS API has no resource-level permissions, so "Resource": "*" is what AWS requires.
# Each entry says why; add one only with its reason.
STAR_RESOURCE_ACTIONS = {
    "cloudwatch:PutMetricData": "CloudWatch metrics have no ARNs (scope: a cloudwatch:namespace condition)",
    "xray:PutTraceSegments": "X-Ray has no resource-level permissions",
    "xray:PutTelemetryRecords": "X-Ray has no resource-level permissions",
    "kinesis:ListStreams": "a list call on the account",
    "rekognition:DetectLabels": "image analysis calls take no resource ARN",
    "rekognition:DetectFaces": "image analysis calls take no resource ARN",
    "rekognition:DetectModerationLabels": "image analysis calls take no resource ARN",
}
# Actions with a trailing wildcard that SAM itself writes, each expanding to a short, known set.
ALLOWED_WILDCARD_ACTIONS = {
    "sqs:SendMessage*": "SAM's SQSSendMessagePolicy and the OnFailure destination policy SAM adds: "
                        "SendMessage and SendMessageBatch",
}
# AWS-managed policies a function role may carry: SAM attaches them, and their "*" resources are
# AWS's (the event source mapping or the function's own log group narrows what is reached).
ALLOWED_MANAGED_POLICIES = {
    "service-role/AWSLambdaBasicExecutionRole": "SAM attaches it to every function: write its own logs",
    "service-role/AWSLambdaSQSQueueExecutionRole": "SAM attaches it for an SQS event source",
    "service-role/AWSLambdaKinesisExecutionRole": "SAM attaches it for a Kinesis event source",
    "service-role/AWSLambdaDynamoDBExecutionRole": "SAM attaches it for a DynamoDB stream event source",
    "AWSXRayDaemonWriteAccess": "SAM attaches it with Tracing: Active",
}
ASYNC_EVENT_TYPES = ("Schedule", "ScheduleV2", "EventBridgeRule", "CloudWatchEvent", "S3", "SNS")
FUNCTION = "AWS::Serverless::Function"


def of_type(template: dict[str, Any], *types: str) -> dict[str, dict[str, Any]]:
    return {k: v for k, v in template["Resources"].items() if v.get("Type") in types}


def props(resource: dict[str, Any]) -> dict[str, Any]:
    return resource.get("Properties") or {}


def as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def target(value: Any) -> str | None:
    """The logical id a Ref / GetAtt points at."""
    if isinstance(value, dict):
        if "Ref" in value:
            return str(value["Ref"])
        if "Fn::GetAtt" in value:
            arg = value["Fn::GetAtt"]
            return str(arg[0] if isinstance(arg, list) else str(arg).split(".")[0])
    return None


# -- IAM (on the transformed CloudFormation) -------------------------------------------------------

def _policy_documents(cfn: dict[str, Any]) -> Iterable[tuple[str, dict[str, Any]]]:
    for logical_id, resource in cfn["Resources"].items():
        properties = props(resource)
        if resource["Type"] == "AWS::IAM::Role":
            yield from ((logical_id, p["PolicyDocument"]) for p in properties.get("Policies", []))
        elif resource["Type"] in ("AWS::IAM::Policy", "AWS::IAM::ManagedPolicy"):
            yield logical_id, properties["PolicyDocument"]


def role_problems(cfn: dict[str, Any]) -> list[str]:
    """Every function has a role of its own, made by this stack."""
    problems: list[str] = []
    roles: dict[str, str] = {}
    for logical_id, resource in of_type(cfn, "AWS::Lambda::Function").items():
        role = target(props(resource).get("Role"))
        if role is None or role not in cfn["Resources"]:
            problems.append(f"{logical_id}: its role must be made by this stack")
        elif role in roles:
            problems.append(f"{logical_id} shares the role {role} with {roles[role]}")
        else:
            roles[role] = logical_id
    return problems


def privilege_problems(cfn: dict[str, Any]) -> list[str]:
    """No wildcard action; "*" resources only for actions that AWS cannot scope; only allowed
    managed policies."""
    problems = []
    for logical_id, document in _policy_documents(cfn):
        for statement in as_list(document.get("Statement", [])):
            if statement.get("Effect") != "Allow":
                continue
            if "NotAction" in statement or "NotResource" in statement:
                problems.append(f"{logical_id}: NotAction/NotResource allows everything else")
            actions = [str(a) for a in as_list(statement.get("Action", []))]
            problems += [f"{logical_id}: wildcard action {a}" for a in actions
                         if "*" in a and a not in ALLOWED_WILDCARD_ACTIONS]
            if "*" in as_list(statement.get("Resource", [])):
                problems += [f"{logical_id}: {a} on Resource '*'" for a in actions
                             if a not in STAR_RESOURCE_ACTIONS]
    allowed = {f"arn:aws:iam::aws:policy/{name}" for name in ALLOWED_MANAGED_POLICIES}
    for logical_id, resource in of_type(cfn, "AWS::IAM::Role").items():
        problems += [f"{logical_id}: managed policy {arn} is not allowed"
                     for arn in props(resource).get("ManagedPolicyArns", []) if arn not in allowed]
    return problems


# -- data at rest ------------------------------------------------------------------------------------

def bucket_problems(template: dict[str, Any]) -> list[str]:
    problems = []
    for logical_id, resource in of_type(template, "AWS::S3::Bucket").items():
        properties = props(resource)
        block = properties.get("PublicAccessBlockConfiguration") or {}
        if not all(block.get(k) is True for k in ("BlockPublicAcls", "BlockPublicPolicy", "IgnorePublicAcls",
                                                  "RestrictPublicBuckets")):
            problems.append(f"{logical_id}: Block Public Access must set all four flags")
        rules = (properties.get("BucketEncryption") or {}).get("ServerSideEncryptionConfiguration") or []
        if not rules or not all(r.get("ServerSideEncryptionByDefault", {}).get("SSEAlgorithm") in
                                ("AES256", "aws:kms", "aws:kms:dsse") for r in rules):
            problems.append(f"{logical_id}: default encryption (BucketEncryption)")
        if properties.get("AccessControl", "Private") != "Private" or "WebsiteConfiguration" in properties:
            problems.append(f"{logical_id}: must not be public (AccessControl/WebsiteConfiguration)")
    return problems


def table_problems(template: dict[str, Any]) -> list[str]:
    problems = []
    for logical_id, resource in of_type(template, "AWS::DynamoDB::Table").items():
        properties = props(resource)
        pitr = properties.get("PointInTimeRecoverySpecification") or {}
        if pitr.get("PointInTimeRecoveryEnabled") is not True:
            problems.append(f"{logical_id}: point-in-time recovery")
        if properties.get("BillingMode") != "PAY_PER_REQUEST":
            problems.append(f"{logical_id}: BillingMode PAY_PER_REQUEST")
        if (properties.get("SSESpecification") or {}).get("SSEEnabled") is not True:
            problems.append(f"{logical_id}: SSESpecification.SSEEnabled")
    return problems


# -- asynchronous sources ----------------------------------------------------------------------------

def _events(template: dict[str, Any]) -> Iterable[tuple[str, str, dict[str, Any]]]:
    for function_id, resource in of_type(template, FUNCTION).items():
        for name, event in (props(resource).get("Events") or {}).items():
            yield function_id, name, event


def _has_on_failure(function: dict[str, Any]) -> bool:
    properties = props(function)
    invoke = properties.get("EventInvokeConfig") or {}
    return bool(properties.get("DeadLetterQueue") or (invoke.get("DestinationConfig") or {}).get("OnFailure"))


def async_source_problems(template: dict[str, Any]) -> list[str]:
    """SQS sources: a queue with a DLQ and partial batch responses; stream sources: an OnFailure
    destination and bounded retries; asynchronous invocations: a DLQ or OnFailure destination."""
    problems = []
    resources = template["Resources"]
    functions = of_type(template, FUNCTION)
    for function_id, name, event in _events(template):
        kind, properties, where = event.get("Type"), event.get("Properties") or {}, f"{function_id}.{name}"
        if kind == "SQS":
            queue = target(properties.get("Queue"))
            redrive = props(resources[queue]).get("RedrivePolicy") or {} if queue in resources else {}
            if queue not in resources:
                problems.append(f"{where}: the queue must be a resource of this template")
            elif not (redrive.get("deadLetterTargetArn") and redrive.get("maxReceiveCount")):
                problems.append(f"{where}: {queue} needs a RedrivePolicy (dead-letter queue)")
            if properties.get("FunctionResponseTypes") != ["ReportBatchItemFailures"]:
                problems.append(f"{where}: FunctionResponseTypes [ReportBatchItemFailures]")
        elif kind in ("Kinesis", "DynamoDB"):
            if not ((properties.get("DestinationConfig") or {}).get("OnFailure") or {}).get("Destination"):
                problems.append(f"{where}: DestinationConfig.OnFailure")
            if properties.get("MaximumRetryAttempts") is None:
                problems.append(f"{where}: bounded retries (MaximumRetryAttempts)")
        elif kind in ASYNC_EVENT_TYPES and not (properties.get("DeadLetterConfig") or
                                                _has_on_failure(functions[function_id])):
            problems.append(f"{where}: asynchronous invocation needs a DeadLetterConfig, the function's "
                            "DeadLetterQueue or EventInvokeConfig OnFailure")
    return problems


# -- logs ------------------------------------------------------------------------------------------

def log_problems(template: dict[str, Any]) -> list[str]:
    """Every function has exactly one log group, named after it, with the retention parameter."""
    problems = []
    groups = of_type(template, "AWS::Logs::LogGroup")
    for logical_id, function in of_type(template, FUNCTION).items():
        expected = {"Fn::Sub": f"/aws/lambda/${{{logical_id}}}"}
        mine = [g for g in groups.values() if props(g).get("LogGroupName") == expected]
        configured = target((props(function).get("LoggingConfig") or {}).get("LogGroup"))
        if configured in groups and groups[configured] not in mine:
            mine.append(groups[configured])
        if len(mine) != 1:
            problems.append(f"{logical_id}: one AWS::Logs::LogGroup named /aws/lambda/${{{logical_id}}}")
        elif props(mine[0]).get("RetentionInDays") != {"Ref": "LogRetentionDays"}:
            problems.append(f"{logical_id}: log group RetentionInDays !Ref LogRetentionDays")
    return problems


# -- handlers ----------------------------------------------------------------------------------------

def _function_module(resource: dict[str, Any]) -> str:
    properties = props(resource)
    module = str(properties.get("Handler", "")).rsplit(".", 1)[0].replace("/", ".")
    code_uri = str(properties.get("CodeUri", ".")).strip("./")
    return f"{code_uri.replace('/', '.')}.{module}" if code_uri else module


def handler_problems(template: dict[str, Any], chalice_handlers: set[str], root: Path) -> list[str]:
    """Chalice event handlers (``app.<name>``) and ``functions/<name>/handler.py`` are functions
    of the template, and every function of the template points at one of them (or the API)."""
    problems = []
    functions = of_type(template, FUNCTION)
    chalice_in_template = {str(props(r).get("Handler", "")) for r in functions.values()
                           if not _function_module(r).startswith("functions.")} - {"app.app"}
    problems += [f"Chalice handler {h} has no function in the template"
                 for h in sorted(chalice_handlers - chalice_in_template)]
    problems += [f"function handler {h} is not a Chalice event handler"
                 for h in sorted(chalice_in_template - chalice_handlers)]
    on_disk = {p.parent.name for p in (root / "functions").glob("*/handler.py")}
    declared: set[str] = set()
    for logical_id, resource in functions.items():
        module = _function_module(resource)
        if not module.startswith("functions."):
            continue
        parts = module.split(".")
        exists = len(parts) == 3 and (root / "functions" / parts[1] / "handler.py").is_file()
        if not exists or parts[2] != "handler":
            problems.append(f"{logical_id}: handler must be functions/<name>/handler.py (got {module})")
        else:
            declared.add(parts[1])
    problems += [f"functions/{name}/handler.py has no function in the template"
                 for name in sorted(on_disk - declared)]
    return problems


def layer_problems(template: dict[str, Any], root: Path) -> list[str]:
    """Every function takes SharedLayer (its own Layers after the Globals' ones, as SAM appends
    them) and only layers of this template, each once; layers are built from
    ``layers/<name>/requirements.txt`` and every such directory is a layer."""
    problems = []
    layers = of_type(template, "AWS::Serverless::LayerVersion")
    common = (template.get("Globals") or {}).get("Function", {}).get("Layers") or []
    for logical_id, resource in of_type(template, FUNCTION).items():
        refs = [target(layer) for layer in [*common, *(props(resource).get("Layers") or [])]]
        if len(refs) != len(set(refs)):
            problems.append(f"{logical_id}: a layer is listed twice (Globals and the function?)")
        if "SharedLayer" not in refs:
            problems.append(f"{logical_id}: Layers must include !Ref SharedLayer")
        problems += [f"{logical_id}: layer {r} is not a layer of this template"
                     for r in refs if r not in layers]
        if len(refs) > 5:
            problems.append(f"{logical_id}: Lambda allows at most 5 layers")
    declared = set()
    for logical_id, resource in layers.items():
        properties = props(resource)
        content = Path(str(properties.get("ContentUri", "")))
        declared.add(content.name)
        requirements = root / "layers" / content.name / "requirements.txt"
        if content.parent != Path("build/layers") or not requirements.is_file():
            problems.append(f"{logical_id}: ContentUri must be build/layers/<name> "
                            "with layers/<name>/requirements.txt")
        if properties.get("CompatibleRuntimes") != ["python3.12"]:
            problems.append(f"{logical_id}: CompatibleRuntimes [python3.12]")
    on_disk = {p.parent.name for p in (root / "layers").glob("*/requirements.txt")}
    problems += [f"layers/{name} is not a layer of the template" for name in sorted(on_disk - declared)]
    return problems


def alarm_problems(template: dict[str, Any]) -> list[str]:
    """Every alarm notifies someone: an alarm without AlarmActions changes colour on a dashboard
    nobody watches. (The generated alarms notify the AlarmTopicArn / AlarmTopic.)"""
    return [f"{logical_id}: AlarmActions (e.g. the generated alarms' topic) — or remove it if a generated "
            "alarm already watches the same metric"
            for logical_id, resource in of_type(template, "AWS::CloudWatch::Alarm").items()
            if not props(resource).get("AlarmActions")]
