"""Packaging: reproducible zips, the import scan that decides which layers a function needs, and
the per-function checks (a missing layer fails, an unused one warns)."""

from __future__ import annotations

import os
import zipfile
from pathlib import Path

import pytest

from infra.deploy import imports
from infra.deploy.package import (
    FunctionPlan,
    bundle_files,
    check_dependencies,
    function_plans,
    packaged_template,
    tree_files,
    write_zip,
)
from infra.local.template import ROOT, load


def _tree(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return root


def test_zips_are_byte_identical_whatever_the_mtimes_and_creation_order(tmp_path: Path) -> None:
    a = _tree(tmp_path / "a", {"x/b.py": "B", "x/a.py": "A", "c.txt": "C"})
    b = _tree(tmp_path / "b", {"c.txt": "C", "x/a.py": "A", "x/b.py": "B"})
    os.utime(b / "x" / "a.py", (1_000_000_000, 1_000_000_000))
    (b / "c.txt").chmod(0o600)
    write_zip(tmp_path / "a.zip", tree_files(a))
    write_zip(tmp_path / "b.zip", tree_files(b))
    assert (tmp_path / "a.zip").read_bytes() == (tmp_path / "b.zip").read_bytes()
    with zipfile.ZipFile(tmp_path / "a.zip") as archive:
        assert archive.namelist() == ["c.txt", "x/a.py", "x/b.py"]
        assert {i.date_time for i in archive.infolist()} == {(1980, 1, 1, 0, 0, 0)}


def test_the_app_bundle_leaves_out_tests_caches_and_docs(tmp_path: Path) -> None:
    root = _tree(tmp_path, {"app.py": "", "chalicelib/x.py": "", "chalicelib/__pycache__/x.pyc": "",
                            "chalicelib/web/home.html": "", "tests/test_x.py": "", "docs/a.md": "",
                            "functions/f/handler.py": "", "functions/f/tests/test_f.py": "",
                            "bench/b.py": "", ".venv/lib/y.py": ""})
    names = [name for name, _ in bundle_files(root, ".")]
    assert names == ["app.py", "chalicelib/web/home.html", "chalicelib/x.py", "functions/f/handler.py"]
    assert [n for n, _ in bundle_files(root, "functions/f")] == ["handler.py"]


def test_the_scan_follows_project_imports_including_lazy_and_relative_ones(tmp_path: Path) -> None:
    root = _tree(tmp_path, {
        "app.py": "import json\nfrom chalicelib.a import routes\n",
        "chalicelib/__init__.py": "",
        "chalicelib/a/__init__.py": "import jwt\n",
        "chalicelib/a/routes.py": "from . import logic\ndef f():\n    import qrcode\n",
        "chalicelib/a/logic.py": "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    import PIL\n"
                                 "try:\n    import ujson\nexcept ImportError:\n    ujson = None\n",
        "chalicelib/unused.py": "import trafilatura\n",
    })
    scan = imports.scan(root, "app")
    assert scan.modules == {"app", "chalicelib", "chalicelib.a", "chalicelib.a.routes", "chalicelib.a.logic"}
    assert set(scan.third_party) == {"jwt", "qrcode"}
    assert scan.third_party["qrcode"] == {"chalicelib.a.routes"}


def test_handler_modules() -> None:
    assert imports.handler_module("app.app") == "app"
    assert imports.handler_module("functions/density_stream/handler.handler") == \
        "functions.density_stream.handler"
    assert imports.handler_module("functions.x.handler.handler") == "functions.x.handler"


def test_a_function_importing_what_its_layers_lack_is_a_problem(tmp_path: Path) -> None:
    root = _tree(tmp_path, {"app.py": "import jwt\nimport qrcode\nimport boto3\n"})
    layer_names = {"SharedLayer": "shared", "ImagingLayer": "imaging", "CrawlingLayer": "crawling"}
    plan = FunctionPlan("Fn", "app.handler", ".", ["SharedLayer"])
    problems = check_dependencies(plan, root, layer_names, ROOT / "layers")
    assert problems == ["Fn: imports qrcode (in app) but none of its layers provides qrcode"]
    warnings: list[str] = []
    plan = FunctionPlan("Fn", "app.handler", ".", ["SharedLayer", "ImagingLayer", "CrawlingLayer"])
    assert check_dependencies(plan, root, layer_names, ROOT / "layers", warnings) == []
    assert warnings == ["Fn: takes CrawlingLayer but imports nothing from it"]


def test_a_function_without_the_shared_layer_or_with_an_unknown_one_is_a_problem(tmp_path: Path) -> None:
    root = _tree(tmp_path, {"app.py": ""})
    plan = FunctionPlan("Fn", "app.handler", ".", ["OtherLayer"])
    problems = check_dependencies(plan, root, {"SharedLayer": "shared"}, ROOT / "layers")
    assert any("OtherLayer, not a layer" in p for p in problems)
    assert any("must include SharedLayer" in p for p in problems)
    missing = check_dependencies(FunctionPlan("Fn", "nope.handler", ".", ["SharedLayer"]), root,
                                 {"SharedLayer": "shared"}, ROOT / "layers")
    assert missing == ["Fn: handler module of 'nope.handler' not found under ."]


def test_every_function_of_the_template_has_the_layers_its_code_imports() -> None:
    template = load()
    from infra.deploy.package import layer_dirs

    names = layer_dirs(template)
    for plan in function_plans(template):
        assert check_dependencies(plan, ROOT, names, ROOT / "layers") == []


def test_layers_provide_their_dependencies_transitively() -> None:
    crawling = imports.layer_distributions(ROOT / "layers" / "crawling")
    assert {"trafilatura", "feedparser", "lxml", "courlan", "htmldate"} <= crawling
    shared = imports.layer_distributions(ROOT / "layers" / "shared")
    assert {"chalice", "aws-lambda-powertools", "pyjwt", "cryptography", "cffi"} <= shared
    assert "click" not in shared, "chalice is installed without its CLI dependencies"


def test_the_packaged_template_points_at_the_zips() -> None:
    template = load()
    text = packaged_template(template, {".": "dist/code-app.zip"},
                             {"shared": "dist/layer-shared.zip", "imaging": "dist/layer-imaging.zip",
                              "crawling": "dist/layer-crawling.zip", "meaning": "dist/layer-meaning.zip"})
    import yaml

    doc = yaml.safe_load(text)
    assert doc["Resources"]["ApiFunction"]["Properties"]["CodeUri"] == "dist/code-app.zip"
    assert doc["Resources"]["SharedLayer"]["Properties"]["ContentUri"] == "dist/layer-shared.zip"
    assert doc["Resources"]["ApiFunction"]["Properties"]["Layers"] == [
        {"Ref": "SharedLayer"}, {"Ref": "ImagingLayer"}, {"Ref": "CrawlingLayer"}, {"Ref": "MeaningLayer"}]
    assert template["Resources"]["ApiFunction"]["Properties"]["CodeUri"] == ".", "the source is not changed"


REQUIREMENTS = [("Pillow==13.0.0", "pillow"), ("pillow_heif>=1", "pillow-heif"),
                ("pyjwt[crypto]==2", "pyjwt"), ("  # comment", None)]


@pytest.mark.parametrize("requirement, name", REQUIREMENTS)
def test_requirement_names(tmp_path: Path, requirement: str, name: str | None) -> None:
    path = tmp_path / "requirements.txt"
    path.write_text(requirement + "\n")
    assert imports.requirement_names(path) == ([name] if name else [])
