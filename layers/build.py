"""Build the Lambda layers: ``python layers/build.py [name ...]``.

Each directory here with a ``requirements.txt`` is one layer. Its packages are installed for the
Lambda runtime (CPython 3.12 on Amazon Linux 2023, x86_64) from manylinux wheels only, so the
build works from any local Python and never compiles against this machine's libraries:

    pip install --platform manylinux2014_x86_64 --python-version 3.12 --implementation cp
                --only-binary=:all: --target build/layers/<name>/python -r requirements.txt

Wheels are downloaded once into ``build/wheels`` and installed from there (``--no-index``), so a
rebuild needs no network. Versions are pinned by ``requirements.txt`` (direct) and
``constraints.txt`` (transitive). A ``requirements-nodeps.txt`` is installed without dependencies.

Standard library only (plus pip), so it runs before the project is installed.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
from pathlib import Path

LAYERS_DIR = Path(__file__).resolve().parent
ROOT = LAYERS_DIR.parent
BUILD = ROOT / "build"
CONSTRAINTS = LAYERS_DIR / "constraints.txt"

PYTHON_VERSION = "3.12"
# Lambda python3.12 runs on Amazon Linux 2023 (glibc 2.34); manylinux2014 is glibc 2.17.
PLATFORMS = ("manylinux2014_x86_64", "manylinux_2_28_x86_64", "manylinux_2_34_x86_64")
# The runtime provides these; a copy in a layer only adds size and shadows the runtime's.
RUNTIME_PROVIDED = ("boto3", "botocore", "s3transfer")
MB = 1024 * 1024
LAMBDA_UNZIPPED_LIMIT = 250 * MB


class BuildError(RuntimeError):
    """A layer cannot be built."""


def layer_names() -> list[str]:
    return sorted(p.parent.name for p in LAYERS_DIR.glob("*/requirements.txt"))


def _pip_args(target: Path, wheels: Path) -> list[str]:
    args = [sys.executable, "-m", "pip", "--disable-pip-version-check", "-q"]
    common = ["--implementation", "cp", "--python-version", PYTHON_VERSION, "--only-binary=:all:"]
    for platform in PLATFORMS:
        common += ["--platform", platform]
    return args + ["install", "--no-compile", "--target", str(target), "--find-links", str(wheels)] + common


def _download_args(wheels: Path) -> list[str]:
    args = [sys.executable, "-m", "pip", "--disable-pip-version-check", "-q", "download", "-d", str(wheels),
            "--implementation", "cp", "--python-version", PYTHON_VERSION, "--only-binary=:all:"]
    for platform in PLATFORMS:
        args += ["--platform", platform]
    return args


def _requirement_files(name: str) -> list[tuple[Path, bool]]:
    """(file, with dependencies) for one layer."""
    files = [(LAYERS_DIR / name / "requirements.txt", True)]
    nodeps = LAYERS_DIR / name / "requirements-nodeps.txt"
    if nodeps.exists():
        files.append((nodeps, False))
    return files


def _run(args: list[str]) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, PIP_NO_INPUT="1")
    return subprocess.run(args, capture_output=True, text=True, env=env, check=False)  # noqa: S603


def fingerprint(name: str) -> str:
    """What a layer's content depends on: its requirement files, the constraints and this script."""
    import hashlib

    digest = hashlib.sha256(Path(__file__).read_bytes())
    for path in [*(f for f, _ in _requirement_files(name)), CONSTRAINTS]:
        digest.update(path.name.encode() + b"\0" + (path.read_bytes() if path.exists() else b""))
    return digest.hexdigest()


def install(name: str, out: Path, wheels: Path, force: bool = False) -> Path:
    """Install one layer into ``out/<name>/python`` from the wheel cache (downloading what is
    missing). Skipped when the layer was built from the same inputs (``out/<name>.stamp``)."""
    stamp = out / f"{name}.stamp"
    if not force and (out / name / "python").is_dir() and stamp.exists() and \
            stamp.read_text(encoding="utf-8") == fingerprint(name):
        return out / name
    stamp.unlink(missing_ok=True)
    target = out / name / "python"
    if target.parent.exists():
        shutil.rmtree(target.parent)
    target.mkdir(parents=True)
    wheels.mkdir(parents=True, exist_ok=True)
    for requirements, with_deps in _requirement_files(name):
        extra = ["-r", str(requirements)]
        if CONSTRAINTS.exists():
            extra += ["-c", str(CONSTRAINTS)]
        if not with_deps:
            extra.append("--no-deps")
        offline = _run(_pip_args(target, wheels) + ["--no-index"] + extra)
        if offline.returncode == 0:
            continue
        download = _run(_download_args(wheels) + extra)
        if download.returncode != 0:
            raise BuildError(f"layer {name}: pip download failed: {_last_line(download.stderr)}")
        online = _run(_pip_args(target, wheels) + ["--no-index"] + extra)
        if online.returncode != 0:
            raise BuildError(f"layer {name}: pip install failed: {_last_line(online.stderr)}")
    _prune(target)
    stamp.write_text(fingerprint(name), encoding="utf-8")
    return target.parent


def _last_line(text: str) -> str:
    lines = [line for line in text.strip().splitlines() if line.strip()]
    return lines[-1] if lines else "(no output)"


def _prune(target: Path) -> None:
    """Drop what Lambda never uses: console scripts (local shebangs), byte code, runtime packages."""
    for path in [target / "bin", *target.rglob("__pycache__")]:
        if path.exists():
            shutil.rmtree(path)
    for path in target.rglob("*.pyc"):
        path.unlink()
    for package in RUNTIME_PROVIDED:
        for path in [target / package, *target.glob(f"{package}-*.dist-info")]:
            if path.is_dir():
                shutil.rmtree(path)


def tree_size(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file() and not p.is_symlink())


def installed_versions(layer_dir: Path) -> dict[str, str]:
    """name → version of every distribution in a built layer (from its .dist-info directories)."""
    versions: dict[str, str] = {}
    for info in (layer_dir / "python").glob("*.dist-info"):
        stem = info.name[: -len(".dist-info")]
        name, _, version = stem.rpartition("-")
        versions[name.lower().replace("_", "-")] = version
    return versions


def write_constraints(out: Path, names: list[str]) -> None:
    """Pin every transitive dependency the build resolved, so the next build resolves the same."""
    pins: dict[str, str] = {}
    for name in names:
        pins.update(installed_versions(out / name))
    lines = ["# Generated by `python layers/build.py --lock`: every package in the layers, pinned."]
    lines += [f"{name}=={version}" for name, version in sorted(pins.items())]
    CONSTRAINTS.write_text("\n".join(lines) + "\n", encoding="utf-8")


def function_totals(out: Path) -> list[tuple[str, int]]:
    """(function, code + layers bytes unzipped) for every function of template.yaml."""
    sys.path.insert(0, str(ROOT))
    from infra.deploy.package import bundle_files, function_plans, layer_dirs
    from infra.local.template import load

    template = load(ROOT / "template.yaml")
    names = layer_dirs(template)
    totals = []
    for plan in function_plans(template):
        code = sum(path.stat().st_size for _, path in bundle_files(ROOT, plan.code_uri))
        built = [out / names[ref] for ref in plan.layers if ref in names]
        layers = sum(tree_size(path) for path in built if path.exists())
        totals.append((plan.logical_id, code + layers))
    return totals


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("layers", nargs="*", help="layer names (default: all)")
    parser.add_argument("--out", default=str(BUILD / "layers"))
    parser.add_argument("--wheels", default=str(BUILD / "wheels"), help="wheel cache directory")
    parser.add_argument("--lock", action="store_true", help="rewrite constraints.txt from this build")
    parser.add_argument("--force", action="store_true", help="rebuild even when the inputs did not change")
    args = parser.parse_args(argv)
    names = args.layers or layer_names()
    unknown = sorted(set(names) - set(layer_names()))
    if unknown:
        print(f"layers/build.py: error: unknown layer(s): {', '.join(unknown)}", file=sys.stderr)
        return 2
    if args.lock and args.layers:
        print("layers/build.py: error: --lock pins every layer; build them all", file=sys.stderr)
        return 2
    out, wheels = Path(args.out), Path(args.wheels)
    try:
        for name in names:
            size = tree_size(install(name, out, wheels, force=args.force or args.lock))
            print(f"layer {name:<10} {size / MB:7.1f} MB unzipped", flush=True)
            if size > LAMBDA_UNZIPPED_LIMIT:
                raise BuildError(f"layer {name} alone exceeds Lambda's 250 MB unzipped limit")
        for function, total in function_totals(out):
            print(f"function {function}: code + layers {total / MB:.1f} MB "
                  f"of {LAMBDA_UNZIPPED_LIMIT // MB} MB", flush=True)
            if total > LAMBDA_UNZIPPED_LIMIT:
                raise BuildError(f"{function}: code + layers exceed Lambda's 250 MB unzipped limit")
    except BuildError as exc:
        print(f"layers/build.py: error: {exc}", file=sys.stderr)
        return 1
    if args.lock:
        write_constraints(out, names)
    return 0


if __name__ == "__main__":
    sys.exit(main())
