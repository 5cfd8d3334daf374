"""AWS event fixtures (the shapes Lambda delivers), one JSON file per event source, and their one
loader."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

_HERE = Path(__file__).parent


def load_event(name: str, **overrides: Any) -> dict[str, Any]:
    """A fresh copy of ``tests/events/<name>.json`` with top-level keys replaced by ``overrides``."""
    event = json.loads((_HERE / f"{name}.json").read_text(encoding="utf-8"))
    event.update(overrides)
    return dict(event)
