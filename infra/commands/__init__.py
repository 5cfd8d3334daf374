"""Per-tool `gdesk` sub-commands. Each module exposes ``register(subparsers)``."""

TOOL_COMMANDS = ("trips", "photos", "cafeteria", "briefing", "deploy")
