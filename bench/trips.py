"""Trip proof benchmarks on the local cloud (moto server over HTTP, in-process app code).

Create a proof (validate, verdict, seal with the data key, sign in KMS, store in one DynamoDB
transaction) plus its QR PNG; the KMS signing and the QR on their own; verification of a token
(signature + claims, keys cached, no decryption) and the whole verify use case. Prints Markdown.

    python bench/trips.py [--runs 100]
"""

from __future__ import annotations

import argparse
import os
import platform
import secrets
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

AWS_BASE = "https://abcdefghij.execute-api.ap-northeast-2.amazonaws.com/prod"


def timed(fn: Callable[[], Any], runs: int) -> tuple[list[float], list[float]]:
    """Wall-clock and CPU milliseconds of each run. On a shared machine the CPU time of this
    process (the moto server is another process) is the steadier measure of our own code."""
    wall, cpu = [], []
    for _ in range(runs):
        started, started_cpu = time.perf_counter(), time.process_time()
        fn()
        wall.append((time.perf_counter() - started) * 1000)
        cpu.append((time.process_time() - started_cpu) * 1000)
    return wall, cpu


def count_calls(fn: Callable[[], Any]) -> list[str]:
    """The AWS operations ``fn`` calls, in order."""
    import botocore.endpoint

    calls: list[str] = []
    original = botocore.endpoint.Endpoint.make_request

    def counting(self: Any, operation_model: Any, request_dict: Any) -> Any:
        calls.append(operation_model.name)
        return original(self, operation_model, request_dict)

    botocore.endpoint.Endpoint.make_request = counting  # type: ignore[method-assign]
    try:
        fn()
    finally:
        botocore.endpoint.Endpoint.make_request = original  # type: ignore[method-assign]
    return calls


def row(name: str, samples: tuple[list[float], list[float]]) -> str:
    wall, cpu = sorted(samples[0]), samples[1]
    p95 = wall[min(len(wall) - 1, int(round(0.95 * (len(wall) - 1))))]
    return (f"| {name} | {statistics.median(wall):.2f} | {p95:.2f} | {statistics.median(cpu):.2f} "
            f"| {len(wall)} |")


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=100)
    runs = parser.parse_args().runs

    os.environ["GDESK_TRIPS_DOUBLE_TAP_SECONDS"] = "0"  # every tap a new proof
    from chalicelib import qr
    from chalicelib.auth import User
    from chalicelib.clock import KST
    from chalicelib.trips import service as proofs
    from chalicelib.trips import token as jws
    from chalicelib.trips.inputs import parse_tap
    from chalicelib.wiring import trips_store as store
    from infra.local.cloud import LocalCloud
    from infra.local.moto_server import free_port

    cloud = LocalCloud(home=tempfile.mkdtemp(prefix="gdesk-bench-"), aws_port=free_port(),
                       api_port=free_port(), stack_name="gdesk-bench")
    try:
        cloud.start_endpoint()
        cloud.create_resources()
        st = store()
        user = User(id="E1001", name="김민준", department="도로관리과", roles=("employee",))
        start = datetime.now(UTC).astimezone(KST) - timedelta(hours=1)
        trip = proofs.create_trip(st, user, {
            "destination": "경상남도청", "lat": 35.2383, "lon": 128.6925, "start": start.isoformat(),
            "end": (start + timedelta(hours=8)).isoformat(), "purpose": "벤치마크"})
        st.set_consent(user.id, proofs.CONSENT_VERSION, datetime.now(UTC))
        base = "http://127.0.0.1:8000"

        def body() -> Any:
            return parse_tap({"lat": 35.2386, "lon": 128.6929, "accuracy_m": 12.0,
                              "nonce": secrets.token_hex(8), "captured_at": datetime.now(UTC).isoformat()})

        results: list[dict[str, Any]] = []

        def create_only() -> None:
            results.append(proofs.create_proof(st, user, trip["trip_id"], body(), base))

        def create_with_qr() -> None:
            result = proofs.create_proof(st, user, trip["trip_id"], body(), base)
            qr.png(result["verify_url"])

        first_pdf = timed(lambda: proofs.evidence_pdf(st, user, trip["trip_id"], base), 1)  # imports, font
        timed(create_with_qr, 5)  # warm: keys, data key, connections
        create_total = timed(create_with_qr, runs)
        create_no_qr = timed(create_only, runs)
        token = results[-1]["token"]
        url = results[-1]["verify_url"]
        claims = {"iss": "gdesk", "iat": 1, "exp": 2, "jti": "x" * 12, "trp": "t" * 12, "sub": "p" * 12,
                  "fat": 1, "vd": 15, "pd": "k" * 150}
        sign = timed(lambda: st.sign_jws(claims), runs)
        dkid, key = st.current_data_key(datetime.now(UTC))
        packed = jws.pack_private(35.2386, 128.6929, 12.0, 41.0, "E1001", "김민준")
        seal = timed(lambda: jws.seal(dkid, key, packed, b"x.y"), runs)
        qr_png = timed(lambda: qr.png(url), runs)
        qr_svg = timed(lambda: qr.svg(url), runs)
        proofs.check_token(st, token)
        check = timed(lambda: proofs.check_token(st, token), runs * 5)
        verify = timed(lambda: proofs.verify(st, token, None, "127.0.0.1"), runs)
        auditor = User(id="A2001", name="최감사", department="감사위원회", roles=("employee", "auditor"))
        verify_audit = timed(lambda: proofs.verify(st, token, auditor, "127.0.0.1"), runs)
        claim = proofs.create_trip(st, user, {  # a trip as travellers have them: two proofs
            "destination": "창원시청", "lat": 35.2280, "lon": 128.6811, "start": start.isoformat(),
            "end": (start + timedelta(hours=8)).isoformat(), "purpose": "벤치마크"})
        for _ in range(2):
            proofs.create_proof(st, user, claim["trip_id"], body(), base)
        pdf = timed(lambda: proofs.evidence_pdf(st, user, claim["trip_id"], base), max(5, runs // 10))

        print(f"Machine: {platform.machine()}, {os.cpu_count()} CPU, Python {platform.python_version()}; "
              f"moto server on 127.0.0.1 (every AWS call is an HTTP round trip).\n")
        print(f"Load average at start: {os.getloadavg()[0]:.1f}\n")
        print("| step | p50 ms | p95 ms | CPU p50 ms | n |")
        print("|---|---:|---:|---:|---:|")
        for name, samples in (
                ("create proof + QR PNG (validate, verdict, seal, KMS sign, DynamoDB, QR)", create_total),
                ("create proof without QR", create_no_qr),
                ("KMS sign (ES256, one Sign call)", sign),
                ("seal private part (AES-256-GCM, cached data key)", seal),
                ("QR PNG (qrcode + Pillow)", qr_png),
                ("QR SVG", qr_svg),
                ("verify token: signature + claims (cached keys, no decryption)", check),
                ("verify use case, public (+ proof read, access-log write)", verify),
                ("verify use case, auditor (+ decrypt, order, position, 2 log writes)", verify_audit),
                ("evidence PDF, first in a process (imports fpdf2, parses the font)", first_pdf),
                ("evidence PDF of a trip with 2 proofs (reads, 2 QR, font subset, one A4 page)", pdf)):
            print(row(name, samples))
        calls = count_calls(create_only)
        aws_url = proofs.verify_url(AWS_BASE, token)
        print()
        print("| QR content | characters | QR version (EC level M) |")
        print("|---|---:|---:|")
        print(f"| token | {len(token)} | - |")
        print(f"| local link ({base}/verify#…) | {len(url)} | {qr.version_of(url)} |")
        print(f"| API Gateway link ({AWS_BASE}/verify#…) | {len(aws_url)} | {qr.version_of(aws_url)} |")
        print(f"\nAWS round trips per proof (warm container): {len(calls)} - {', '.join(calls)}")
    finally:
        cloud.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
