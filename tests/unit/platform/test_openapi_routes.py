"""docs/openapi.yaml describes exactly the app's routes, and is a valid OpenAPI document."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

SPEC_PATH = Path(__file__).resolve().parents[3] / "docs" / "openapi.yaml"
METHODS = {"get", "put", "post", "delete", "patch", "head", "options"}


def _spec() -> dict[str, Any]:
    return yaml.safe_load(SPEC_PATH.read_text(encoding="utf-8"))


def _dev_only(path: str) -> bool:
    return path.startswith("/dev/")


def _spec_operations() -> set[tuple[str, str]]:
    return {(path, method.upper()) for path, item in _spec()["paths"].items()
            for method in item if method in METHODS}


def _app_operations() -> set[tuple[str, str]]:
    from app import app

    return {(path, method.upper()) for path, entries in app.routes.items() for method in entries}


def test_every_chalice_route_is_in_the_spec() -> None:
    missing = {op for op in _app_operations() - _spec_operations() if not _dev_only(op[0])}
    assert not missing, f"routes missing from docs/openapi.yaml: {sorted(missing)}"


def test_every_spec_operation_is_a_chalice_route() -> None:
    extra = {op for op in _spec_operations() - _app_operations() if not _dev_only(op[0])}
    assert not extra, f"docs/openapi.yaml documents routes the app does not have: {sorted(extra)}"


def test_the_platform_routes_are_documented() -> None:
    assert {("/health", "GET"), ("/me", "GET"), ("/", "GET"), ("/login", "GET"),
            ("/static/{name}", "GET")} <= _spec_operations()


def test_the_spec_is_valid_openapi() -> None:
    from openapi_spec_validator import validate

    validate(_spec())  # raises OpenAPIValidationError


def test_the_validator_rejects_a_broken_spec() -> None:
    """The check above can fail: a response without a description is not valid OpenAPI."""
    import pytest
    from openapi_spec_validator import validate
    from openapi_spec_validator.validation.exceptions import OpenAPIValidationError

    broken = _spec()
    del broken["paths"]["/health"]["get"]["responses"]["200"]["description"]
    with pytest.raises(OpenAPIValidationError):
        validate(broken)


def test_path_parameters_are_declared() -> None:
    import re

    spec = _spec()

    def deref(node: dict[str, Any]) -> dict[str, Any]:
        while "$ref" in node:
            target: Any = spec
            for part in node["$ref"].lstrip("#/").split("/"):
                target = target[part]
            node = target
        return node

    for path, item in spec["paths"].items():
        names = set(re.findall(r"\{(\w+)\}", path))
        for method, op in item.items():
            if method not in METHODS:
                continue
            params = [deref(p) for p in op.get("parameters", []) + item.get("parameters", [])]
            declared = {p["name"] for p in params if p.get("in") == "path"}
            assert names == declared, f"{method.upper()} {path}: path parameters {names} vs {declared}"
