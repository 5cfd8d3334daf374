"""Which third-party distributions a Lambda handler can import, and which layers provide them.

From the handler's module the project's own imports are followed through the source (every
``import``, also the lazy ones inside functions, except ``if TYPE_CHECKING:`` blocks and
``try: ... except ImportError`` fallbacks), so the result is what the function may load at run
time. Import names are mapped to distributions with this environment's metadata; a layer provides
the distributions its requirement files name plus their dependencies.
"""

from __future__ import annotations

import ast
import importlib.metadata as md
import re
import sys
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

# The python3.12 Lambda runtime ships the AWS SDK and its dependencies.
RUNTIME_PROVIDED = frozenset({"boto3", "botocore", "s3transfer", "jmespath", "python-dateutil",
                              "urllib3", "six"})


def normalize(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


@dataclass
class ImportScan:
    """The project modules a handler reaches and the third-party top-level names they import."""

    modules: set[str] = field(default_factory=set)
    third_party: dict[str, set[str]] = field(default_factory=dict)  # top-level name → importing modules


def handler_module(handler: str) -> str:
    """``app.on_upload`` → ``app``; ``functions/density_stream/handler.handler`` →
    ``functions.density_stream.handler``."""
    return handler.rsplit(".", 1)[0].replace("/", ".")


def _module_file(root: Path, module: str) -> Path | None:
    base = root.joinpath(*module.split("."))
    for candidate in (base.with_suffix(".py"), base / "__init__.py"):
        if candidate.is_file():
            return candidate
    return None


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


def _catches_import_error(node: ast.Try) -> bool:
    for handler in node.handlers:
        names = handler.type.elts if isinstance(handler.type, ast.Tuple) else [handler.type]
        if any(isinstance(n, ast.Name) and n.id in ("ImportError", "ModuleNotFoundError") for n in names):
            return True
    return False


def _imports(tree: ast.AST, module: str, is_package: bool) -> list[str]:
    """Absolute names a module imports (``from a import b`` yields ``a`` and ``a.b``)."""
    found: list[str] = []

    def visit(node: ast.AST) -> None:
        if isinstance(node, ast.If) and _is_type_checking(node):
            for child in node.orelse:
                visit(child)
            return
        if isinstance(node, ast.Try) and _catches_import_error(node):
            fallbacks: list[ast.AST] = [*node.handlers, *node.orelse, *node.finalbody]
            for fallback in fallbacks:
                visit(fallback)
            return
        if isinstance(node, ast.Import):
            found.extend(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = module.split(".")
                package = parts if is_package else parts[:-1]
                anchor = package[: len(package) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            if base and base != "__future__":
                found.append(base)
                found.extend(f"{base}.{alias.name}" for alias in node.names if alias.name != "*")
        for inner in ast.iter_child_nodes(node):
            visit(inner)

    visit(tree)
    return found


def scan(root: Path, start: str) -> ImportScan:
    """Follow the project's imports from module ``start`` under ``root``."""
    result = ImportScan()
    local_tops = {p.stem if p.suffix == ".py" else p.name for p in root.iterdir()
                  if (p.suffix == ".py") or (p / "__init__.py").is_file()}
    queue = [start]
    while queue:
        module = queue.pop()
        if module in result.modules:
            continue
        path = _module_file(root, module)
        if path is None:
            continue
        result.modules.add(module)
        # A module's parent packages run first.
        parts = module.split(".")
        queue.extend(".".join(parts[:i]) for i in range(1, len(parts)))
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for name in _imports(tree, module, path.name == "__init__.py"):
            top = name.split(".")[0]
            if top in local_tops:
                queue.append(name)
            elif top not in sys.stdlib_module_names:
                result.third_party.setdefault(top, set()).add(module)
    return result


@cache
def _import_names_to_distributions() -> dict[str, list[str]]:
    return {k: [normalize(d) for d in v] for k, v in md.packages_distributions().items()}


def distributions_of(import_name: str) -> list[str]:
    return _import_names_to_distributions().get(import_name, [])


def requirement_names(path: Path) -> list[str]:
    names = []
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.split("#", 1)[0].strip()
        if line and not line.startswith("-"):
            names.append(normalize(re.split(r"[\s\[<>=!~;@]", line, maxsplit=1)[0]))
    return names


def closure(names: list[str]) -> set[str]:
    """The distributions plus their (unconditional) dependencies, from this environment's metadata."""
    seen: set[str] = set()
    todo = list(names)
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        try:
            requires = md.requires(name) or []
        except md.PackageNotFoundError:
            continue
        for requirement in requires:
            if "extra ==" in requirement:
                continue
            todo.append(normalize(re.split(r"[\s\[<>=!~;(@]", requirement, maxsplit=1)[0]))
    return seen


def layer_distributions(layer_dir: Path, with_dependencies: bool = True) -> set[str]:
    """Distributions a layer provides: its requirement files' names (and their dependencies)."""
    direct: list[str] = []
    for requirements in sorted(layer_dir.glob("requirements*.txt")):
        names = requirement_names(requirements)
        direct += names
        if with_dependencies and "nodeps" not in requirements.name:
            direct += sorted(closure(names) - set(names))
    return set(direct)
