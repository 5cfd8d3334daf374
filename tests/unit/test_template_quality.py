"""Template quality: properties every resource of a kind must have, checked by iterating over the
template's resources, so they hold for the resources each tool adds as well."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from infra.local.template import ROOT, load

TEMPLATE = load()
RESOURCES: dict[str, dict[str, Any]] = TEMPLATE["Resources"]


def of_type(*types: str) -> dict[str, dict[str, Any]]:
    return {k: v for k, v in RESOURCES.items() if v.get("Type") in types}


FUNCTIONS = of_type("AWS::Serverless::Function")
LAYERS = of_type("AWS::Serverless::LayerVersion")


def props(resource: dict[str, Any]) -> dict[str, Any]:
    return resource.get("Properties") or {}


# -- layers ----------------------------------------------------------------------------------------

@pytest.mark.parametrize("logical_id", sorted(FUNCTIONS))
def test_every_function_takes_the_shared_layer(logical_id: str) -> None:
    layers = props(FUNCTIONS[logical_id]).get("Layers") or []
    assert {"Ref": "SharedLayer"} in layers, f"{logical_id}: Layers must include !Ref SharedLayer"
    for layer in layers:
        assert isinstance(layer, dict) and layer.get("Ref") in LAYERS, \
            f"{logical_id}: {layer} is not a layer of this template"
    assert len(layers) <= 5, f"{logical_id}: Lambda allows at most 5 layers"


@pytest.mark.parametrize("logical_id", sorted(LAYERS))
def test_every_layer_is_built_from_its_requirements(logical_id: str) -> None:
    properties = props(LAYERS[logical_id])
    content = Path(properties["ContentUri"])
    assert content.parent == Path("build/layers"), f"{logical_id}: ContentUri must be build/layers/<name>"
    assert (ROOT / "layers" / content.name / "requirements.txt").is_file()
    assert properties["CompatibleRuntimes"] == ["python3.12"]
    assert properties.get("RetentionPolicy") == "Delete"


def test_every_layer_directory_is_in_the_template() -> None:
    declared = {Path(props(r)["ContentUri"]).name for r in LAYERS.values()}
    on_disk = {p.parent.name for p in (ROOT / "layers").glob("*/requirements.txt")}
    assert declared == on_disk
