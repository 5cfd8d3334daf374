"""Cold-start import time of every Lambda handler module declared in template.yaml.

Each sample is a fresh interpreter (``python -X importtime`` is not used: it adds its own cost);
the child imports the handler's module and prints its own monotonic delta. Beside each handler,
the same run measures the baseline a Lambda pays anyway: ``import boto3`` plus one client.
Goal from the platform issue: the API handler ≤ 1.3 × that baseline.

    python bench/coldstart.py [--runs 15]
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

CHILD = """
import os, sys, time
sys.path.insert(0, {root!r})
t0 = time.perf_counter()
{body}
print((time.perf_counter() - t0) * 1000)
"""
BASELINE = "import boto3\nboto3.client('s3', region_name='ap-northeast-2')"


def handler_modules() -> dict[str, str]:
    """Logical id → module to import, from the template's functions (``app.x`` → ``app``)."""
    from infra.local.template import load

    modules: dict[str, str] = {}
    for logical_id, resource in load()["Resources"].items():
        if resource.get("Type") != "AWS::Serverless::Function":
            continue
        handler = str(resource["Properties"]["Handler"])
        modules[logical_id] = handler.rsplit(".", 1)[0].replace("/", ".")
    return modules


def sample(body: str) -> float:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GDESK_", "AWS_ENDPOINT"))}
    env.update({"AWS_REGION": "ap-northeast-2", "AWS_ACCESS_KEY_ID": "x", "AWS_SECRET_ACCESS_KEY": "x",
                "PYTHONDONTWRITEBYTECODE": "0"})
    out = subprocess.run([sys.executable, "-c", CHILD.format(root=str(ROOT), body=body)],
                         capture_output=True, text=True, env=env, cwd=ROOT, check=True)
    return float(out.stdout.strip().splitlines()[-1])


def median_ms(body: str, runs: int) -> float:
    sample(body)  # warm the bytecode cache, as a deployed package ships .pyc files
    return statistics.median(sample(body) for _ in range(runs))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()
    baseline = median_ms(BASELINE, args.runs)
    print(f"Cold-start import, median of {args.runs} fresh interpreters "
          f"(Python {platform.python_version()}, {os.cpu_count()} cores)\n")
    print("| function | module | import ms | × boto3+client |")
    print("|---|---|---:|---:|")
    print(f"| (baseline) | `boto3` + one client | {baseline:.0f} | 1.00 |")
    seen: dict[str, float] = {}
    for logical_id, module in sorted(handler_modules().items()):
        if module not in seen:
            seen[module] = median_ms(f"import {module}", args.runs)
        ms = seen[module]
        print(f"| {logical_id} | `{module}` | {ms:.0f} | {ms / baseline:.2f} |")


if __name__ == "__main__":
    main()
