"""The ``gdesk`` command: the local cloud (``up``), dev tokens (``token``) and each tool's commands."""

from __future__ import annotations

import argparse
import functools
import importlib
import os
import signal
import sys
import threading
from pathlib import Path
from typing import Any, TextIO

TTL_SECONDS = 30.0  # how often `gdesk up`'s moto child expires items (DynamoDB TTL)


def _fail(message: str, code: int = 1) -> int:
    one_line = " ".join(str(message).split())
    print(f"gdesk: error: {one_line}", file=sys.stderr, flush=True)
    return code


def _functions_log_to_file(home: str) -> tuple[TextIO, Path]:
    """Point the process's stdout at ``<home>/logs/functions.log``: the functions' Powertools logs
    and EMF metrics land there, as they would in CloudWatch, instead of flooding the terminal.
    Returns a handle on the original stdout for the lines meant for the user."""
    path = Path(home) / "logs" / "functions.log"
    path.parent.mkdir(parents=True, exist_ok=True)
    sys.stdout.flush()
    terminal = os.fdopen(os.dup(sys.stdout.fileno()), "w", encoding="utf-8", buffering=1)
    with path.open("a", encoding="utf-8") as log:
        os.dup2(log.fileno(), sys.stdout.fileno())
    return terminal, path


def cmd_up(args: argparse.Namespace) -> int:
    from chalicelib.settings import get_settings
    from infra.demo import TOOL_DEMOS
    from infra.local.cloud import LocalCloud
    from infra.local.demo import DemoContext
    from infra.local.moto_server import EndpointError, port_free
    from infra.local.parent import watch_make_parent
    from infra.local.template import TemplateError, load

    try:
        load(args.template) if args.template else load()
    except TemplateError as exc:
        return _fail(f"template does not parse: {exc}", 2)
    settings = get_settings()
    if not port_free(args.api_port):
        return _fail(f"port {args.api_port} is already in use (choose another with --api-port)")
    home = args.home or settings.home
    terminal, function_log = _functions_log_to_file(home)
    cloud = LocalCloud(home=home, endpoint_url=settings.aws_endpoint_url,
                       aws_port=args.aws_port, api_port=args.api_port, child_ttl_seconds=TTL_SECONDS)
    if args.template:
        cloud.template_path = Path(args.template)
    stopping = threading.Event()
    exit_code = 0

    def on_signal(signum: int, frame: Any) -> None:
        stopping.set()

    def give_up(line: str) -> None:  # the moto child cannot be kept alive: one line, non-zero exit
        nonlocal exit_code
        exit_code = _fail(line)
        stopping.set()

    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)
    watch_make_parent(stopping, stopping.set)  # `kill -INT <make run>`: make does not pass it on
    try:
        endpoint = cloud.start_endpoint()
        stack = cloud.create_resources()
        cloud.start_api()
        cloud.start_event_sources(schedule_speedup=args.speed)
        lines: list[str] = []
        if not args.no_demo:
            context = DemoContext(stack=stack, api_url=cloud.api_url, home=cloud.home, runtime=cloud.runtime,
                                  stop=cloud.stop_event, threads=cloud.threads)
            for tool in TOOL_DEMOS:
                lines += importlib.import_module(f"infra.demo.{tool}").start(context)
    except (EndpointError, TemplateError, OSError) as exc:
        cloud.stop()
        return _fail(str(exc))
    except Exception as exc:  # noqa: BLE001 - one clear line, and nothing left running
        cloud.stop()
        return _fail(f"{type(exc).__name__}: {exc}")
    say = functools.partial(print, file=terminal, flush=True)
    say(f"READY {cloud.api_url}")
    say(f"  AWS endpoint (local cloud): {endpoint}")
    say(f"  홈 (home): {cloud.api_url}/")
    say(f"  로그인 (login, demo users): {cloud.api_url}/login")
    for line in lines:
        say(f"  {line}")
    say(f"  함수 로그 (the functions' JSON logs and metrics, as CloudWatch would get them): {function_log}")
    say(f"  상태 기록 (endpoint and resource names for other gdesk commands): {cloud.write_record()}")
    say("Ctrl-C to stop.")
    cloud.supervise(say, give_up)
    while not stopping.wait(0.5):
        pass
    say("stopping…")
    cloud.stop()
    return exit_code


def cmd_token(args: argparse.Namespace) -> int:
    from chalicelib import devissuer
    from chalicelib.auth import ROLES
    from chalicelib.settings import get_settings

    roles = tuple(args.role) if args.role else None
    if roles and any(r not in ROLES for r in roles):
        return _fail(f"roles must be among {', '.join(ROLES)}", 2)
    token = devissuer.issue_token(args.home or get_settings().home, args.user, roles=roles,
                                  name=args.name, department=args.department, ttl_seconds=args.ttl)
    print(token)
    return 0


def build_parser() -> argparse.ArgumentParser:
    from infra.commands import TOOL_COMMANDS

    parser = argparse.ArgumentParser(prog="gdesk", description="G-Desk: the local cloud and tools.")
    sub = parser.add_subparsers(dest="command", required=True)

    up = sub.add_parser("up", help="run the whole suite on the local cloud (moto server) with demo data")
    up.add_argument("--api-port", type=int, default=8000, help="port of the app (default 8000)")
    up.add_argument("--aws-port", type=int, default=4566,
                    help="port of the moto server (default 4566; ignored when AWS_ENDPOINT_URL is set)")
    up.add_argument("--no-demo", action="store_true", help="no demo data, simulators or demo sites")
    up.add_argument("--home", help="local state directory (default: $GDESK_HOME or ./.gdesk)")
    up.add_argument("--template", help=argparse.SUPPRESS)
    up.add_argument("--speed", type=float, default=1.0,
                    help="run schedules this many times faster (e.g. 10 for a quick demo)")
    up.set_defaults(func=cmd_up)

    tok = sub.add_parser("token", help="print a bearer token from the local dev issuer")
    tok.add_argument("--user", required=True, help="user id, e.g. E1001 (demo users get their names)")
    tok.add_argument("--role", action="append", help="employee, auditor or admin (repeatable)")
    tok.add_argument("--name")
    tok.add_argument("--department")
    tok.add_argument("--ttl", type=int, default=8 * 3600, help="lifetime in seconds")
    tok.add_argument("--home", help="local state directory (default: $GDESK_HOME or ./.gdesk)")
    tok.set_defaults(func=cmd_token)

    for tool in TOOL_COMMANDS:
        importlib.import_module(f"infra.commands.{tool}").register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return int(args.func(args) or 0)


if __name__ == "__main__":
    sys.exit(main())
