"""What `gdesk up` hands each tool's demo: the stack, the URLs, a stop flag, thread spawning."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from infra.local.template import Stack


@dataclass
class DemoContext:
    stack: Stack
    api_url: str  # e.g. http://127.0.0.1:8000
    home: str  # GDESK_HOME: local state (dev issuer key, demo files)
    runtime: Any  # infra.local.runtime.LambdaRuntime: invoke functions, drive event sources
    stop: threading.Event = field(default_factory=threading.Event)
    threads: list[threading.Thread] = field(default_factory=list)

    def spawn(self, name: str, target: Callable[[], None]) -> None:
        """Run ``target`` in a daemon thread; it must return soon after ``self.stop`` is set."""
        thread = threading.Thread(target=target, name=name, daemon=True)
        thread.start()
        self.threads.append(thread)
