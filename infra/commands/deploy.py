"""``gdesk deploy --rehearse``: transform the SAM template offline and create the stack on the local
cloud's CloudFormation (a moto server started for it, or ``AWS_ENDPOINT_URL``). One result line;
exit status 0 only when the stack reached ``CREATE_COMPLETE``."""

from __future__ import annotations

import argparse
import os
import sys
import urllib.request
from pathlib import Path


def _is_moto(endpoint: str) -> bool:
    try:
        with urllib.request.urlopen(endpoint.rstrip("/") + "/moto-api/data.json", timeout=2):  # noqa: S310
            return True
    except (OSError, ValueError):
        return False


def cmd_deploy(args: argparse.Namespace) -> int:
    if not args.rehearse:
        print("gdesk deploy: only --rehearse runs here; a real deploy is `make package` then "
              "`sam deploy --template-file build/template.yaml --guided` (docs/deploy.md)", file=sys.stderr)
        return 2
    from infra.deploy.rehearse import Rehearsal, client_factory
    from infra.local import moto_server

    endpoint = os.environ.get("AWS_ENDPOINT_URL", "")
    process = None
    try:
        if endpoint:
            is_moto = _is_moto(endpoint)
        else:
            port = args.aws_port or moto_server.free_port()
            process = moto_server.start_moto(port)
            endpoint, is_moto = f"http://127.0.0.1:{port}", True
        rehearsal = Rehearsal(client=client_factory(endpoint), endpoint=endpoint, is_moto=is_moto,
                              keep=args.keep, timeout=args.timeout)
        if args.template:
            rehearsal.template_path = Path(args.template)
        result = rehearsal.run()
    except Exception as exc:  # noqa: BLE001 - one clear line, nothing left running
        print(f"rehearsal FAILED: {type(exc).__name__}: {' '.join(str(exc).split())}", flush=True)
        return 1
    finally:
        moto_server.stop(process)
    print(result.line(), flush=True)
    return 0 if result.ok else 1


def register(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Add this tool's sub-commands to the `gdesk` parser."""
    deploy = subparsers.add_parser(
        "deploy", help="deployment checks: --rehearse creates the stack on the local cloud's CloudFormation")
    deploy.add_argument("--rehearse", action="store_true",
                        help="SAM → CloudFormation offline, then create the stack on moto "
                             "(or AWS_ENDPOINT_URL)")
    deploy.add_argument("--aws-port", type=int, default=0,
                        help="port for the moto server (default: a free one)")
    deploy.add_argument("--keep", action="store_true",
                        help="leave the stack and artifacts bucket on the endpoint")
    deploy.add_argument("--timeout", type=float, default=300.0, help="seconds to wait for the stack")
    deploy.add_argument("--template", help=argparse.SUPPRESS)
    deploy.set_defaults(func=cmd_deploy)
