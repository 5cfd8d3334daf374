"""`gdesk` sub-commands of the trips tool: import trip orders, export a month, rotate keys.

By default they work on the local cloud (`gdesk up`, endpoint http://127.0.0.1:4566 or
$AWS_ENDPOINT_URL): the template is bootstrapped idempotently to learn the stack's table and key
names. With ``--aws`` they use the deployed stack's names from the GDESK_* environment instead.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any


def _store(args: argparse.Namespace) -> Any:
    from chalicelib.settings import get_settings
    from chalicelib.wiring import trips_store

    if not args.aws:
        from infra.local.cloud import LocalCloud

        settings = get_settings()
        cloud = LocalCloud(home=args.home or settings.home,
                           endpoint_url=args.endpoint or settings.aws_endpoint_url or "http://127.0.0.1:4566",
                           stack_name=args.stack)
        cloud.start_endpoint()
        cloud.create_resources()
    return trips_store()


def _fail(message: str, code: int = 1) -> int:
    print(f"gdesk: error: {' '.join(str(message).split())}", file=sys.stderr, flush=True)
    return code


def cmd_import(args: argparse.Namespace) -> int:
    from chalicelib.errors import AppError
    from chalicelib.trips.service import import_trips

    path = Path(args.file)
    if not path.is_file():
        return _fail(f"no such file: {path}", 2)
    try:
        report = import_trips(_store(args), path.read_bytes(), created_by=args.by, dry_run=args.dry_run)
    except AppError as exc:
        return _fail(exc.message, 2)
    for error in report["errors"]:
        print(f"{path.name}:{error['line']}: {error['field']}: {error['message']}")
    verb = "확인" if args.dry_run else "가져옴"
    print(f"유효 {report['valid_rows']}행 · {verb} {report['imported']}건 · 이미 있음 "
          f"{len(report['already_imported_lines'])}건 · 오류 {len(report['errors'])}행")
    if args.json:
        print(json.dumps(report, ensure_ascii=False))
    return 1 if report["errors"] else 0


def cmd_export(args: argparse.Namespace) -> int:
    import re

    from chalicelib.trips.service import export_month

    if not re.fullmatch(r"20\d\d-(0[1-9]|1[0-2])", args.month):
        return _fail("--month must be YYYY-MM", 2)
    data = export_month(_store(args), args.month)
    out = Path(args.out or f"trip-proofs-{args.month}.csv")
    out.write_bytes(data)
    rows = data.count(b"\n") - 1
    print(f"{out} ({rows}건)")
    return 0


def cmd_rotate(args: argparse.Namespace) -> int:
    st = _store(args)
    old, new = st.rotate_signing_key()
    print(f"서명 키 교체: {old} → {new} (이전 공개키는 발급한 토큰이 만료될 때까지 JWKS에 남습니다)")
    if args.data_key:
        print(f"데이터 키 교체: {st.rotate_data_key()}")
    return 0


def cmd_list_keys(args: argparse.Namespace) -> int:
    for key in _store(args).signing_keys():
        print(f"{key['sk']}  {key.get('status', 'active'):8} {key['created_at']}  "
              f"{key.get('retired_at', '')}  {key['key_arn']}")
    return 0


def _common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--aws", action="store_true",
                        help="use the deployed stack named by the GDESK_* environment, not the local cloud")
    parser.add_argument("--endpoint", help="local cloud endpoint (default $AWS_ENDPOINT_URL or :4566)")
    parser.add_argument("--stack", default="gdesk-local", help=argparse.SUPPRESS)
    parser.add_argument("--home", help="local state directory (default: $GDESK_HOME or ./.gdesk)")


def register(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Add this tool's sub-commands to the `gdesk` parser."""
    trips = subparsers.add_parser("trips", help="trip proof: import orders, export a month")
    trips_sub = trips.add_subparsers(dest="trips_command", required=True)
    imp = trips_sub.add_parser("import", help="import approved trip orders from the HR system's CSV")
    imp.add_argument("file")
    imp.add_argument("--dry-run", action="store_true", help="check the file, write nothing")
    imp.add_argument("--by", default="cli", help="who imports (recorded on each order)")
    imp.add_argument("--json", action="store_true", help="also print the report as JSON")
    _common(imp)
    imp.set_defaults(func=cmd_import)
    exp = trips_sub.add_parser("export", help="settlement CSV of a month's proofs (UTF-8 with BOM)")
    exp.add_argument("--month", required=True, help="YYYY-MM")
    exp.add_argument("--out", help="file to write (default trip-proofs-YYYY-MM.csv)")
    _common(exp)
    exp.set_defaults(func=cmd_export)

    keys = subparsers.add_parser("keys", help="proof signing keys (KMS)")
    keys_sub = keys.add_subparsers(dest="keys_command", required=True)
    rotate = keys_sub.add_parser("rotate", help="a new KMS key signs from now on; old public keys stay "
                                                "published until their tokens expire")
    rotate.add_argument("--data-key", action="store_true", help="also start a new data key for this month")
    _common(rotate)
    rotate.set_defaults(func=cmd_rotate)
    listing = keys_sub.add_parser("list", help="signing keys and their status")
    _common(listing)
    listing.set_defaults(func=cmd_list_keys)
