"""Demo data for the briefing tool (see infra/demo/__init__.py for the contract)."""

from __future__ import annotations

from infra.local.demo import DemoContext


def start(ctx: DemoContext) -> list[str]:
    return []
