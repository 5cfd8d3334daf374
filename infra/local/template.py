"""Reading ``template.yaml``: the CloudFormation short-form tags, and resolving the intrinsic
functions the local cloud needs (Ref, Fn::GetAtt, Fn::Sub, Fn::Join, Fn::If, Fn::Select) to the
physical names and ARNs the local resources get. The template is the single source of truth.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

import yaml

ROOT = Path(__file__).resolve().parents[2]
TEMPLATE_PATH = ROOT / "template.yaml"


_NO_VALUE = object()  # what ``AWS::NoValue`` resolves to until its key or item is dropped


class TemplateError(ValueError):
    """The template does not parse or refers to something it does not declare."""


class _Loader(yaml.SafeLoader):
    pass


def _tag_constructor(loader: yaml.SafeLoader, tag_suffix: str, node: yaml.Node) -> Any:
    # !Ref and !Condition keep their names; every other short form is Fn::<Name>.
    name = tag_suffix if tag_suffix in ("Ref", "Condition") else f"Fn::{tag_suffix}"
    if isinstance(node, yaml.ScalarNode):
        value: Any = loader.construct_scalar(node)
        if name == "Fn::GetAtt" and isinstance(value, str):
            value = value.split(".", 1)
    elif isinstance(node, yaml.SequenceNode):
        value = loader.construct_sequence(node, deep=True)
    else:
        value = loader.construct_mapping(node, deep=True)  # type: ignore[arg-type]
    return {name: value}


_Loader.add_multi_constructor("!", _tag_constructor)


def load(path: Path | str = TEMPLATE_PATH) -> dict[str, Any]:
    try:
        with open(path, encoding="utf-8") as fh:
            doc = yaml.load(fh, Loader=_Loader)  # noqa: S506 - SafeLoader subclass
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        raise TemplateError(f"cannot parse {path}: {exc.problem or exc}{where}") from exc
    except (OSError, yaml.YAMLError) as exc:
        raise TemplateError(f"cannot parse {path}: {exc}") from exc
    if not isinstance(doc, dict) or not isinstance(doc.get("Resources"), dict):
        raise TemplateError(f"{path} has no Resources section")
    return doc


def binary_media_types(template: dict[str, Any]) -> tuple[str, ...]:
    """The API's ``BinaryMediaTypes`` (API Gateway base64-encodes these request bodies for Lambda
    and passes every other body as UTF-8 text), so the local gateway treats bodies the same way."""
    types: list[str] = []
    for resource in template.get("Resources", {}).values():
        if isinstance(resource, dict) and resource.get("Type") == "AWS::Serverless::Api":
            declared = (resource.get("Properties") or {}).get("BinaryMediaTypes") or []
            types += [str(t).replace("~1", "/").lower() for t in declared]
    return tuple(types)


@dataclass
class Stack:
    """The template with a local stack's identity: resolves names the way CloudFormation would."""

    template: dict[str, Any]
    name: str = "gdesk-local"
    region: str = "ap-northeast-2"
    account: str = "123456789012"
    parameters: dict[str, str] = field(default_factory=dict)
    physical: dict[str, str] = field(default_factory=dict)  # logical id → physical id (Ref)
    attributes: dict[tuple[str, str], str] = field(default_factory=dict)  # (id, attr) → value

    @property
    def resources(self) -> dict[str, Any]:
        return self.template["Resources"]

    def of_type(self, *types: str) -> dict[str, dict[str, Any]]:
        return {k: v for k, v in self.resources.items() if v.get("Type") in types}

    def parameter(self, name: str) -> str:
        if name in self.parameters:
            return self.parameters[name]
        spec = self.template.get("Parameters", {}).get(name)
        if spec is None:
            raise TemplateError(f"unknown parameter {name}")
        return str(spec.get("Default", ""))

    def pseudo(self, name: str) -> str | None:
        return {
            "AWS::StackName": self.name, "AWS::Region": self.region,
            "AWS::AccountId": self.account, "AWS::Partition": "aws",
            "AWS::URLSuffix": "amazonaws.com", "AWS::NoValue": None,
            "AWS::StackId": f"arn:aws:cloudformation:{self.region}:{self.account}:stack/{self.name}/local",
        }.get(name, "")

    def ref(self, name: str) -> Any:
        if name.startswith("AWS::"):
            return self.pseudo(name)
        if name in self.template.get("Parameters", {}):
            return self.parameter(name)
        if name in self.physical:
            return self.physical[name]
        if name in self.resources:
            raise TemplateError(f"{name} is referenced before it was created")
        raise TemplateError(f"Ref to unknown name {name}")

    def get_att(self, name: str, attribute: str) -> str:
        if (name, attribute) in self.attributes:
            return self.attributes[(name, attribute)]
        if name not in self.resources:
            raise TemplateError(f"GetAtt to unknown resource {name}")
        raise TemplateError(f"GetAtt {name}.{attribute} is not known locally")

    def resolve(self, value: Any) -> Any:
        """Resolve intrinsic functions recursively; ``AWS::NoValue`` (also as the result of an
        ``Fn::If``) removes the key or list item, as CloudFormation does."""
        resolved = self._resolve(value)
        return None if resolved is _NO_VALUE else resolved

    def _resolve(self, value: Any) -> Any:
        if isinstance(value, list):
            return [r for r in (self._resolve(v) for v in value) if r is not _NO_VALUE]
        if not isinstance(value, dict):
            return value
        if len(value) == 1:
            (key, arg), = value.items()
            if key == "Ref" and arg == "AWS::NoValue":
                return _NO_VALUE
            intrinsic = self._INTRINSICS.get(key)
            if intrinsic is not None:
                return intrinsic(self, arg)
        resolved = {k: self._resolve(v) for k, v in value.items()}
        return {k: v for k, v in resolved.items() if v is not _NO_VALUE}

    def _fn_get_att(self, arg: Any) -> str:
        parts = arg if isinstance(arg, list) else str(arg).split(".", 1)
        return self.get_att(parts[0], parts[1])

    def _fn_join(self, arg: Any) -> str:
        sep, items = arg
        return str(sep).join(str(self.resolve(i)) for i in self.resolve(items))

    def _fn_select(self, arg: Any) -> Any:
        index, items = arg
        return self.resolve(items)[int(self.resolve(index))]

    def _fn_if(self, arg: Any) -> Any:
        cond, yes, no = arg
        return self._resolve(yes if self.condition(cond) else no)

    def _fn_equals(self, arg: Any) -> bool:
        a, b = arg
        return str(self.resolve(a)) == str(self.resolve(b))

    _INTRINSICS: ClassVar[dict[str, Any]] = {
        "Ref": lambda self, arg: self.ref(arg),
        "Fn::GetAtt": _fn_get_att,
        "Fn::Sub": lambda self, arg: self._sub(arg),
        "Fn::Join": _fn_join,
        "Fn::Select": _fn_select,
        "Fn::If": _fn_if,
        "Fn::Equals": _fn_equals,
        "Fn::Not": lambda self, arg: not self._truth(arg[0]),
        "Fn::And": lambda self, arg: all(self._truth(a) for a in arg),
        "Fn::Or": lambda self, arg: any(self._truth(a) for a in arg),
        "Condition": lambda self, arg: self.condition(arg),
    }

    def _truth(self, value: Any) -> bool:
        if isinstance(value, dict) and set(value) == {"Condition"}:
            return self.condition(value["Condition"])
        return bool(self.resolve(value))

    def condition(self, name: str) -> bool:
        conditions = self.template.get("Conditions", {})
        if name not in conditions:
            raise TemplateError(f"unknown condition {name}")
        return bool(self.resolve(conditions[name]))

    def _sub(self, arg: Any) -> str:
        if isinstance(arg, list):
            text, variables = arg[0], {k: self.resolve(v) for k, v in arg[1].items()}
        else:
            text, variables = arg, {}

        def replace(match: re.Match[str]) -> str:
            expr = match.group(1)
            if expr.startswith("!"):
                return "${" + expr[1:] + "}"
            if expr in variables:
                return str(variables[expr])
            if "." in expr and not expr.startswith("AWS::"):
                name, attribute = expr.split(".", 1)
                return str(self.get_att(name, attribute))
            return str(self.ref(expr))

        return re.sub(r"\$\{([^}]+)\}", replace, str(text))

    # -- functions ---------------------------------------------------------------------------

    def functions(self) -> dict[str, dict[str, Any]]:
        return self.of_type("AWS::Serverless::Function")

    def function_environment(self, logical_id: str) -> dict[str, str]:
        """Globals + the function's own environment variables, resolved."""
        glob = self.template.get("Globals", {}).get("Function", {})
        variables = dict(glob.get("Environment", {}).get("Variables", {}) or {})
        props = self.functions()[logical_id].get("Properties", {})
        variables.update(props.get("Environment", {}).get("Variables", {}) or {})
        resolved = self.resolve(variables)
        return {k: "" if v is None else str(v) for k, v in resolved.items()}

    def function_property(self, logical_id: str, name: str, default: Any = None) -> Any:
        props = self.functions()[logical_id].get("Properties", {})
        if name in props:
            return props[name]
        return self.template.get("Globals", {}).get("Function", {}).get(name, default)
