"""``make package``: the function code and the layers as reproducible zips, and a packaged template.

``python -m infra.deploy.package`` (after ``layers/build.py``) writes:

- ``build/dist/code-<name>.zip`` for each distinct ``CodeUri`` (``.`` is the app bundle: ``app.py``,
  ``chalicelib/``, ``functions/``; tests, benchmarks, docs and virtualenvs never go in),
- ``build/dist/layer-<name>.zip`` from ``build/layers/<name>``,
- ``build/template.yaml``: ``template.yaml`` with every ``CodeUri``/``ContentUri`` pointing at those
  zips, ready for ``sam deploy --template-file build/template.yaml``,
- ``build/dist/manifest.json``: sizes and SHA-256 of every artifact.

Zips are reproducible: sorted entries, fixed timestamps and permissions, so the same sources give
the same bytes (and ``sam deploy`` uploads nothing that did not change). Before writing, each
function is checked: its layers provide every third-party package its code can import, it takes
no layer it does not use, and code + layers stay under Lambda's 250 MB unzipped limit.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import stat
import sys
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from infra.deploy import imports
from infra.local.template import ROOT, TemplateError, load

BUILD = ROOT / "build"
DIST = BUILD / "dist"
MB = 1024 * 1024
LAMBDA_UNZIPPED_LIMIT = 250 * MB
MAX_LAYERS = 5
SHARED_LAYER = "SharedLayer"
APP_BUNDLE = ("app.py", "chalicelib", "functions")
EXCLUDED_DIRS = {"__pycache__", "tests", "test", "bench", "docs", ".venv", "venv", ".git", ".mypy_cache",
                 ".pytest_cache", ".ruff_cache", ".gdesk", "build", "node_modules", ".hypothesis"}
EXCLUDED_SUFFIXES = {".pyc", ".pyo"}
ZIP_EPOCH = (1980, 1, 1, 0, 0, 0)


class PackageError(RuntimeError):
    """The template's functions cannot be packaged as declared."""


# -- reproducible zips --------------------------------------------------------------------------

def _included(relative: Path) -> bool:
    return not (set(relative.parts) & EXCLUDED_DIRS) and relative.suffix not in EXCLUDED_SUFFIXES


def tree_files(root: Path, entries: Iterable[str] | None = None) -> list[tuple[str, Path]]:
    """(archive name, path) of every file under ``root`` (or under its ``entries``), sorted."""
    starts = [root / e for e in entries] if entries is not None else [root]
    files: list[tuple[str, Path]] = []
    for start in starts:
        if start.is_file():
            candidates: Iterator[Path] = iter([start])
        elif start.is_dir():
            candidates = start.rglob("*")
        else:
            continue
        for path in candidates:
            relative = path.relative_to(root)
            if path.is_file() and not path.is_symlink() and _included(relative):
                files.append((relative.as_posix(), path))
    return sorted(files)


def write_zip(destination: Path, files: list[tuple[str, Path]]) -> None:
    """Zip with sorted entries, a fixed date and normalised permissions: same input, same bytes."""
    destination.parent.mkdir(parents=True, exist_ok=True)
    partial = destination.with_suffix(".zip.tmp")
    with zipfile.ZipFile(partial, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=6) as archive:
        for name, path in sorted(files):
            info = zipfile.ZipInfo(name, date_time=ZIP_EPOCH)
            executable = path.stat().st_mode & stat.S_IXUSR
            info.external_attr = ((0o755 if executable else 0o644) | stat.S_IFREG) << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            info.create_system = 3  # unix, whatever the building machine
            archive.writestr(info, path.read_bytes())
    os.replace(partial, destination)


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


# -- what the template declares ------------------------------------------------------------------

@dataclass
class FunctionPlan:
    logical_id: str
    handler: str
    code_uri: str
    layers: list[str]  # logical ids of the layers it takes
    needs: dict[str, set[str]] = field(default_factory=dict)  # distribution → importing modules
    code_bytes: int = 0
    layer_bytes: int = 0


def _layer_refs(value: Any) -> list[str]:
    refs = []
    for item in value or []:
        if isinstance(item, dict) and "Ref" in item:
            refs.append(str(item["Ref"]))
        else:
            refs.append(str(item))
    return refs


def layer_dirs(template: dict[str, Any]) -> dict[str, str]:
    """Layer logical id → layer name (``build/layers/<name>``)."""
    return {logical_id: Path(str(r["Properties"]["ContentUri"])).name
            for logical_id, r in template["Resources"].items()
            if r.get("Type") == "AWS::Serverless::LayerVersion"}


def function_plans(template: dict[str, Any]) -> list[FunctionPlan]:
    glob = template.get("Globals", {}).get("Function", {})
    plans = []
    for logical_id, resource in sorted(template["Resources"].items()):
        if resource.get("Type") != "AWS::Serverless::Function":
            continue
        props = resource.get("Properties", {})
        code_uri = str(props.get("CodeUri", glob.get("CodeUri", ".")))
        layers = _layer_refs(glob.get("Layers")) + _layer_refs(props.get("Layers"))
        handler = str(props.get("Handler", glob.get("Handler", "")))
        plans.append(FunctionPlan(logical_id, handler, code_uri, layers))
    return plans


def bundle_name(code_uri: str) -> str:
    return "app" if code_uri in (".", "./") else code_uri.strip("./").replace("/", "-")


def bundle_files(root: Path, code_uri: str) -> list[tuple[str, Path]]:
    if code_uri in (".", "./"):
        return tree_files(root, APP_BUNDLE)
    return tree_files(root / code_uri)


# -- checks ----------------------------------------------------------------------------------------

def check_dependencies(plan: FunctionPlan, root: Path, layer_names: dict[str, str],
                       layers_root: Path, warnings: list[str] | None = None) -> list[str]:
    """Problems with a function's layers: a package it imports that none provides, a layer that is
    not in the template, no shared layer, too many layers. A layer it does not use is a warning
    (it costs size and cold start, not correctness)."""
    problems = []
    unknown = [ref for ref in plan.layers if ref not in layer_names]
    if unknown:
        problems.append(f"{plan.logical_id}: Layers refer to {', '.join(unknown)}, "
                        "not a layer of this template")
    if len(set(plan.layers)) != len(plan.layers):
        problems.append(f"{plan.logical_id}: a layer is listed twice (Globals and the function?)")
    if SHARED_LAYER not in plan.layers:
        problems.append(f"{plan.logical_id}: Layers must include {SHARED_LAYER}")
    if len(plan.layers) > MAX_LAYERS:
        problems.append(f"{plan.logical_id}: {len(plan.layers)} layers (Lambda allows {MAX_LAYERS})")
    code_root = root if plan.code_uri in (".", "./") else root / plan.code_uri
    scan = imports.scan(code_root, imports.handler_module(plan.handler))
    if not scan.modules:
        problems.append(f"{plan.logical_id}: handler module of {plan.handler!r} "
                        f"not found under {plan.code_uri}")
        return problems
    provided = {ref: imports.layer_distributions(layers_root / layer_names[ref])
                for ref in plan.layers if ref in layer_names}
    available = set().union(*provided.values()) | imports.RUNTIME_PROVIDED
    for top, modules in sorted(scan.third_party.items()):
        dists = imports.distributions_of(top) or [imports.normalize(top)]
        for dist in dists:
            plan.needs.setdefault(dist, set()).update(modules)
        if not set(dists) & available:
            problems.append(f"{plan.logical_id}: imports {top} (in {', '.join(sorted(modules))}) "
                            f"but none of its layers provides {' or '.join(dists)}")
    for ref in provided:
        direct = imports.layer_distributions(layers_root / layer_names[ref], with_dependencies=False)
        if ref != SHARED_LAYER and not (direct & set(plan.needs)) and warnings is not None:
            warnings.append(f"{plan.logical_id}: takes {ref} but imports nothing from it")
    return problems


def directory_size(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file() and not p.is_symlink())


# -- the packaged template -------------------------------------------------------------------------

def packaged_template(template: dict[str, Any], code_zips: dict[str, str], layer_zips: dict[str, str]) -> str:
    """template.yaml with artifact paths (relative to build/); long-form intrinsics, as SAM reads them."""
    doc = json.loads(json.dumps(template))
    for resource in doc["Resources"].values():
        props = resource.get("Properties", {})
        if resource.get("Type") == "AWS::Serverless::Function":
            props["CodeUri"] = code_zips[str(props.get("CodeUri", "."))]
        elif resource.get("Type") == "AWS::Serverless::LayerVersion":
            props["ContentUri"] = layer_zips[Path(str(props["ContentUri"])).name]
    header = "# Generated by `make package` from template.yaml: deploy with\n" \
             "#   sam deploy --template-file build/template.yaml --guided\n"
    return header + yaml.safe_dump(doc, sort_keys=False, allow_unicode=True, width=110)


def package(root: Path = ROOT, build: Path = BUILD, require_layers: bool = True) -> dict[str, Any]:
    """Check, zip and write the packaged template; returns the manifest."""
    template = load(root / "template.yaml")
    names = layer_dirs(template)
    plans = function_plans(template)
    warnings: list[str] = []
    problems = [p for plan in plans for p in check_dependencies(plan, root, names, root / "layers", warnings)]
    if problems:
        raise PackageError("; ".join(problems))
    dist = build / "dist"
    manifest: dict[str, Any] = {"code": {}, "layers": {}, "functions": {}, "warnings": warnings}
    layer_zips: dict[str, str] = {}
    for name in sorted(set(names.values())):
        layer_dir = build / "layers" / name
        if not (layer_dir / "python").is_dir():
            if require_layers:
                raise PackageError(f"layer {name} is not built (run `python layers/build.py`)")
            continue
        target = dist / f"layer-{name}.zip"
        write_zip(target, tree_files(layer_dir))
        layer_zips[name] = f"dist/{target.name}"
        manifest["layers"][name] = {"zip": layer_zips[name], "unzipped": directory_size(layer_dir),
                                    "zipped": target.stat().st_size, "sha256": sha256(target)}
    code_zips: dict[str, str] = {}
    for code_uri in sorted({plan.code_uri for plan in plans}):
        files = bundle_files(root, code_uri)
        target = dist / f"code-{bundle_name(code_uri)}.zip"
        write_zip(target, files)
        code_zips[code_uri] = f"dist/{target.name}"
        manifest["code"][code_uri] = {"zip": code_zips[code_uri], "files": len(files),
                                      "unzipped": sum(p.stat().st_size for _, p in files),
                                      "zipped": target.stat().st_size, "sha256": sha256(target)}
    for plan in plans:
        plan.code_bytes = manifest["code"][plan.code_uri]["unzipped"]
        plan.layer_bytes = sum(manifest["layers"].get(names[ref], {}).get("unzipped", 0)
                               for ref in plan.layers)
        total = plan.code_bytes + plan.layer_bytes
        manifest["functions"][plan.logical_id] = {
            "layers": [names[ref] for ref in plan.layers], "code": plan.code_bytes,
            "layers_unzipped": plan.layer_bytes, "total_unzipped": total,
            "imports": sorted(plan.needs)}
        if total > LAMBDA_UNZIPPED_LIMIT:
            problems.append(f"{plan.logical_id}: code + layers = {total / MB:.1f} MB unzipped "
                            f"(Lambda's limit is {LAMBDA_UNZIPPED_LIMIT // MB} MB)")
    if problems:
        raise PackageError("; ".join(problems))
    if layer_zips.keys() == set(names.values()):
        packaged = packaged_template(template, code_zips, layer_zips)
        (build / "template.yaml").write_text(packaged, encoding="utf-8")
    manifest_text = json.dumps(manifest, indent=2, sort_keys=True) + "\n"
    (dist / "manifest.json").write_text(manifest_text, encoding="utf-8")
    return manifest


def report(manifest: dict[str, Any]) -> list[str]:
    lines = [f"warning: {w}" for w in manifest.get("warnings", [])]
    for name, info in sorted(manifest["layers"].items()):
        lines.append(f"layer {name:<10} {info['unzipped'] / MB:7.1f} MB unzipped "
                     f"{info['zipped'] / MB:6.1f} MB zipped  sha256 {info['sha256'][:12]}")
    for code_uri, info in sorted(manifest["code"].items()):
        lines.append(f"code  {bundle_name(code_uri):<10} {info['unzipped'] / MB:7.1f} MB unzipped "
                     f"{info['zipped'] / MB:6.1f} MB zipped  sha256 {info['sha256'][:12]}  "
                     f"({info['files']} files)")
    for logical_id, info in sorted(manifest["functions"].items()):
        lines.append(f"function {logical_id}: {info['total_unzipped'] / MB:.1f} of "
                     f"{LAMBDA_UNZIPPED_LIMIT // MB} MB (layers: {', '.join(info['layers'])})")
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description="Zip the function code and layers; write build/template.yaml.")
    parser.add_argument("--build", default=str(BUILD))
    args = parser.parse_args(argv)
    try:
        manifest = package(ROOT, Path(args.build))
    except (PackageError, TemplateError) as exc:
        print(f"package: error: {exc}", file=sys.stderr)
        return 1
    for line in report(manifest):
        print(line)
    print(f"packaged template: {Path(args.build) / 'template.yaml'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
