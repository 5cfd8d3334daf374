"""AWS event fixtures in their real shapes, one JSON file each, and the one loader."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent


def load_event(name: str, **overrides: Any) -> dict[str, Any]:
    """The event in ``tests/events/<name>.json``, its top-level keys replaced by ``overrides``."""
    event: dict[str, Any] = json.loads((HERE / f"{name}.json").read_text(encoding="utf-8"))
    event.update(overrides)
    return event
