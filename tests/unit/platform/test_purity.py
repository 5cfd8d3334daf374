"""Domain modules are pure: a fresh interpreter importing one loads neither Chalice nor boto3.

Every module under ``chalicelib`` is walked except the edges, which may touch the web framework or
AWS by design: routes, events, stores, the wiring, the client helper, the HTTP edge and pages, and
the observability glue. One subprocess per module, so nothing imported by another module counts.
"""

from __future__ import annotations

import json
import pkgutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
# botocore is not listed: Powertools (logging, metrics) imports it for its user-agent hook when it is
# installed; what matters is that no domain module builds AWS clients (boto3) or touches Chalice.
FORBIDDEN = ("chalice", "boto3")
EDGE_NAMES = {"routes", "events", "store", "wiring", "aws", "observability"}
EDGE_MODULES = {
    "chalicelib.platform.http",  # the one place errors meet HTTP
    "chalicelib.web",  # serves the pages as Chalice responses
}



def _modules() -> list[str]:
    import chalicelib

    names = ["chalicelib"]
    for info in pkgutil.walk_packages(chalicelib.__path__, "chalicelib."):
        leaf = info.name.rsplit(".", 1)[-1]
        if leaf in EDGE_NAMES or info.name in EDGE_MODULES:
            continue
        if any(info.name.startswith(edge + ".") for edge in EDGE_MODULES):
            continue
        names.append(info.name)
    return names


CHILD = """
import importlib, json, sys
importlib.import_module(sys.argv[1])
print(json.dumps(sorted(m for m in sys.modules if m.split(".")[0] in {forbidden!r})))
"""


def test_the_walk_finds_the_domain_modules_of_every_tool() -> None:
    found = set(_modules())
    assert {"chalicelib.errors", "chalicelib.validation", "chalicelib.auth", "chalicelib.clock",
            "chalicelib.trips.service", "chalicelib.trips.orders", "chalicelib.qr"} <= found
    assert not found & {"chalicelib.trips.routes", "chalicelib.trips.store", "chalicelib.wiring"}


@pytest.mark.parametrize("module", _modules())
def test_a_domain_module_loads_neither_chalice_nor_boto3(module: str) -> None:
    out = subprocess.run([sys.executable, "-c", CHILD.format(forbidden=set(FORBIDDEN)), module],
                         capture_output=True, text=True, cwd=ROOT, check=True, timeout=60)
    loaded = json.loads(out.stdout.strip().splitlines()[-1])
    assert loaded == [], f"{module} loads {loaded}"
