"""Load on the local API server: N concurrent clients for S seconds on a mix of routes, as phones do
it at lunch time (issue 15). Each client keeps one HTTP/1.1 connection open (as a browser does) and
loops over: a trip proof POST (validate, verdict, seal, KMS sign, DynamoDB), GET /cafeteria/now and
GET /briefing/items, each as its own signed-in employee. Prints a Markdown table: requests/s,
p50/p95/p99 per route, errors (5xx, timeouts, anything but a JSON answer) and connection resets.

By default it starts its own `gdesk up --no-demo` (a separate process, as users run it, with the
moto server as its child) on free ports with a fresh GDESK_HOME, and stops it afterwards; every
proof is a new proof (GDESK_TRIPS_DOUBLE_TAP_SECONDS=0). Goal on this machine: 0 errors, 0 resets,
p99 <= 1.5 s with 50 clients.

    python bench/load.py [--clients 50] [--seconds 60]
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import platform
import queue
import random
import re
import secrets
import signal
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

OFFICE = (35.2383, 128.6925)  # 경상남도청
ROUTES = ("POST /trips/{id}/proofs", "GET /cafeteria/now", "GET /briefing/items")


@dataclass
class Tally:
    latencies: dict[str, list[float]] = field(default_factory=lambda: {r: [] for r in ROUTES})
    errors: dict[str, int] = field(default_factory=lambda: dict.fromkeys(ROUTES, 0))
    resets: int = 0
    examples: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, route: str, seconds: float, error: str | None) -> None:
        with self.lock:
            self.latencies[route].append(seconds)
            if error:
                self.errors[route] += 1
                if len(self.examples) < 5:
                    self.examples.append(f"{route}: {error}")

    def reset(self, route: str, exc: BaseException) -> None:
        with self.lock:
            self.resets += 1
            if len(self.examples) < 5:
                self.examples.append(f"{route}: {type(exc).__name__}: {exc}")


def start_local_cloud(home: str) -> tuple[subprocess.Popen[str], str]:
    from infra.local.moto_server import free_port

    env = {k: v for k, v in os.environ.items() if not k.startswith(("GDESK_", "AWS_", "POWERTOOLS_"))}
    env.update({"GDESK_HOME": home, "PYTHONUNBUFFERED": "1", "GDESK_TRIPS_DOUBLE_TAP_SECONDS": "0"})
    gdesk = Path(sys.executable).parent / "gdesk"
    process = subprocess.Popen([str(gdesk), "up", "--no-demo", "--api-port", str(free_port()),
                                "--aws-port", str(free_port())], env=env, cwd=home, text=True,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    lines: queue.Queue[str] = queue.Queue()
    threading.Thread(target=lambda: [lines.put(x) for x in process.stdout or []], daemon=True).start()
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        try:
            match = re.match(r"^READY (http://\S+)", lines.get(timeout=1))
        except queue.Empty:
            if process.poll() is not None:
                stderr = process.stderr.read() if process.stderr else ""
                raise SystemExit(f"gdesk up failed: {stderr}") from None
            continue
        if match:
            return process, match.group(1)
    process.kill()
    raise SystemExit("gdesk up did not become ready")


def request(conn: http.client.HTTPConnection, method: str, path: str, token: str,
            body: dict[str, Any] | None = None) -> tuple[int, bytes]:
    headers = {"Authorization": f"Bearer {token}"}
    data = None
    if body is not None:
        data = json.dumps(body).encode()
        headers["Content-Type"] = "application/json"
    conn.request(method, path, body=data, headers=headers)
    response = conn.getresponse()
    return response.status, response.read()


def prepare(api_url: str, home: str, clients: int) -> list[tuple[str, str]]:
    """(token, trip id) per client: a distinct employee with consent and a trip for now."""
    from chalicelib import devissuer

    host, port = api_url.removeprefix("http://").split(":")
    conn = http.client.HTTPConnection(host, int(port), timeout=30)
    start = datetime.now(UTC) - timedelta(hours=1)
    users = []
    for n in range(clients):
        token = devissuer.issue_token(home, f"L{n:04d}", roles=("employee",), name=f"부하{n}",
                                      department="정보통신담당관")
        status, raw = request(conn, "GET", "/trips", token)
        version = json.loads(raw)["consent_version"]
        request(conn, "POST", "/trips/consent", token, {"version": version, "agree": True})
        status, raw = request(conn, "POST", "/trips", token, {
            "destination": "경상남도청", "lat": OFFICE[0], "lon": OFFICE[1], "radius_m": 300,
            "start": start.isoformat(), "end": (start + timedelta(hours=8)).isoformat(),
            "purpose": "부하 시험"})
        assert status == 201, raw
        users.append((token, json.loads(raw)["trip_id"]))
    conn.close()
    return users


def client(api_url: str, token: str, trip_id: str, until: float, tally: Tally, seed: int) -> None:
    host, port = api_url.removeprefix("http://").split(":")
    rng = random.Random(seed)
    conn = http.client.HTTPConnection(host, int(port), timeout=30)
    while time.monotonic() < until:
        route = rng.choice(ROUTES)
        if route.startswith("POST"):
            args: tuple[str, str, dict[str, Any] | None] = (
                "POST", f"/trips/{trip_id}/proofs",
                {"lat": OFFICE[0] + 0.0003, "lon": OFFICE[1] + 0.0004, "accuracy_m": 12.0,
                 "captured_at": datetime.now(UTC).isoformat(), "nonce": secrets.token_urlsafe(12)})
        else:
            args = ("GET", route.split()[1], None)
        started = time.perf_counter()
        try:
            status, raw = request(conn, args[0], args[1], token, args[2])
        except (ConnectionResetError, BrokenPipeError, http.client.RemoteDisconnected) as exc:
            tally.reset(route, exc)
            conn.close()
            conn = http.client.HTTPConnection(host, int(port), timeout=30)
            continue
        except (OSError, http.client.HTTPException) as exc:  # timeouts and other failures
            tally.add(route, time.perf_counter() - started, f"{type(exc).__name__}: {exc}")
            conn.close()
            conn = http.client.HTTPConnection(host, int(port), timeout=30)
            continue
        error = None
        if status >= 500 or status not in (200, 201):
            error = f"HTTP {status} {raw[:120]!r}"
        tally.add(route, time.perf_counter() - started, error)
    conn.close()


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))] if ordered else 0.0


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=60)
    args = parser.parse_args()

    home = tempfile.mkdtemp(prefix="gdesk-load-")
    process, api_url = start_local_cloud(home)
    try:
        users = prepare(api_url, home, args.clients)
        tally = Tally()
        load_before = os.getloadavg()[0]
        started = time.monotonic()
        until = started + args.seconds
        threads = [threading.Thread(target=client, args=(api_url, token, trip, until, tally, n))
                   for n, (token, trip) in enumerate(users)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        elapsed = time.monotonic() - started
    finally:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()

    every = [s for values in tally.latencies.values() for s in values]
    print(f"{args.clients} concurrent clients (keep-alive connections) for {args.seconds:.0f} s against "
          f"`gdesk up --no-demo` (local API server + moto server on 127.0.0.1); load generator in another "
          f"process on the same machine: {platform.machine()}, {os.cpu_count()} CPU, Python "
          f"{platform.python_version()}; load average {load_before:.1f} before, "
          f"{os.getloadavg()[0]:.1f} after.\n")
    print("| route | requests | requests/s | p50 ms | p95 ms | p99 ms | errors |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    def line(name: str, values: list[float], errors: int) -> str:
        ms = [percentile(values, p) * 1000 for p in (50, 95, 99)]
        return (f"| {name} | {len(values)} | {len(values) / elapsed:.1f} | {ms[0]:.0f} | {ms[1]:.0f} "
                f"| {ms[2]:.0f} | {errors} |")

    for route in ROUTES:
        print(line(route, tally.latencies[route], tally.errors[route]))
    print(line("**all**", every, sum(tally.errors.values())))
    print(f"\nconnection resets: {tally.resets}; goal: 0 errors, 0 resets, p99 <= 1500 ms")
    for example in tally.examples:
        print(f"- {example}")
    ok = not tally.resets and not sum(tally.errors.values()) and percentile(every, 99) <= 1.5
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
