"""Demo data and simulators that `gdesk up` starts (unless --no-demo).

Each tool module exposes ``start(ctx: infra.local.demo.DemoContext) -> list[str]``: seed its demo
data, start any background threads through ``ctx.spawn`` (they must stop when ``ctx.stop`` is
set), and return the lines (Korean label + URL) to print after READY.
"""

TOOL_DEMOS = ("trips", "photos", "cafeteria", "briefing")
