"""layers/build.py without the network: argument checks, pruning, sizes, constraints."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest

from infra.local.template import ROOT


def _build_module() -> ModuleType:
    spec = importlib.util.spec_from_file_location("layers_build", ROOT / "layers" / "build.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules["layers_build"] = module
    spec.loader.exec_module(module)
    return module


build = _build_module()


def test_every_layer_directory_is_found() -> None:
    assert build.layer_names() == ["crawling", "imaging", "meaning", "shared"]


def test_pip_installs_only_manylinux_cp312_wheels_from_the_cache(tmp_path: Path) -> None:
    args = build._pip_args(tmp_path / "t", tmp_path / "w")
    joined = " ".join(args)
    assert "--only-binary=:all:" in args and "--no-compile" in args
    assert "--python-version 3.12" in joined and "--implementation cp" in joined
    assert "--platform manylinux2014_x86_64" in joined
    assert f"--find-links {tmp_path / 'w'}" in joined


def test_unknown_layers_and_a_partial_lock_are_refused(capsys: pytest.CaptureFixture[str]) -> None:
    assert build.main(["nope"]) == 2
    assert build.main(["--lock", "shared"]) == 2
    assert "unknown layer" in capsys.readouterr().err


def test_prune_drops_scripts_bytecode_and_the_runtime_sdk(tmp_path: Path) -> None:
    target = tmp_path / "python"
    for name in ["bin/normalizer", "pkg/__init__.py", "pkg/__pycache__/x.cpython-312.pyc", "pkg/y.pyc",
                 "boto3/__init__.py", "boto3-1.0.dist-info/METADATA", "botocore/x.py",
                 "pkg-1.0.dist-info/METADATA"]:
        (target / name).parent.mkdir(parents=True, exist_ok=True)
        (target / name).write_text("x")
    build._prune(target)
    left = sorted(p.relative_to(target).as_posix() for p in target.rglob("*") if p.is_file())
    assert left == ["pkg-1.0.dist-info/METADATA", "pkg/__init__.py"]
    assert build.tree_size(target) == 2
    assert build.installed_versions(tmp_path) == {"pkg": "1.0"}


def test_constraints_pin_every_requirement_of_every_layer() -> None:
    pins = {line.split("==")[0] for line in (ROOT / "layers" / "constraints.txt").read_text().splitlines()
            if "==" in line}
    for name in build.layer_names():
        for requirements in (ROOT / "layers" / name).glob("requirements*.txt"):
            for line in requirements.read_text().splitlines():
                if line.strip() and not line.startswith("#"):
                    assert line.split("==")[0].lower() in pins, line


def test_a_layer_built_from_the_same_inputs_is_not_rebuilt(tmp_path: Path) -> None:
    marker = tmp_path / "shared" / "python" / "kept.py"
    marker.parent.mkdir(parents=True)
    marker.write_text("x")
    (tmp_path / "shared.stamp").write_text(build.fingerprint("shared"))
    assert build.install("shared", tmp_path, tmp_path / "wheels") == tmp_path / "shared"
    assert marker.exists(), "nothing was reinstalled"
    assert build.fingerprint("shared") != build.fingerprint("imaging")
