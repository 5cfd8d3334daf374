"""`gdesk` sub-commands of the photos tool."""

from __future__ import annotations

import argparse


def register(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Add this tool's sub-commands to the `gdesk` parser."""
