"""Event fixtures in AWS shapes, one JSON file per event or record, and the one loader.

``load_event("sqs_record", body="...", attributes__ApproximateReceiveCount="3")`` → a fresh copy
of ``sqs_record.json`` with those fields replaced; ``a__b`` reaches into nested objects. A batch
is ``{"Records": [load_event(...), ...]}``, as Lambda sends it.
"""

from __future__ import annotations

import copy
import json
from functools import cache
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent


@cache
def _read(name: str) -> Any:
    return json.loads((HERE / f"{name}.json").read_text(encoding="utf-8"))


def load_event(name: str, **overrides: Any) -> dict[str, Any]:
    event: dict[str, Any] = copy.deepcopy(_read(name))
    for path, value in overrides.items():
        *parents, leaf = path.split("__")
        target = event
        for key in parents:
            target = target[key]
        if leaf not in target:
            raise KeyError(f"{name}.json has no field {path!r}")  # a typo must not pass silently
        target[leaf] = value
    return event
